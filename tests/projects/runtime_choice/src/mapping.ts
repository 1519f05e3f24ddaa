export const chooseDriver = <T>(options: Record<string, () => T>): T => options[process.env.DB_DRIVER ?? "better-sqlite3"]!();
