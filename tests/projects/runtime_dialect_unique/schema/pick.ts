export const pickByDriver = <T extends Record<"sqlite" | "pg" | "mysql", () => unknown>>(input: T) =>
  input[(process.env.DB_DRIVER ?? "sqlite") as "sqlite" | "pg" | "mysql"]() as ReturnType<T["sqlite"]>;
