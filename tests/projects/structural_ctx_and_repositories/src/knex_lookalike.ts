export async function notDrizzle(knex: any, id: string) {
  const a = await knex.select("*").from("users").where({ id });
  const b = await knex.select("*").from("posts").where({ userId: id });
  return { a, b };
}
