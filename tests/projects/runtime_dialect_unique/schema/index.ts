import { pickByDriver } from "./pick";
import * as pgSchema from "./pg";
import * as sqliteSchema from "./sqlite";
import * as mysqlSchema from "./mysql";

export const schema = pickByDriver({
  sqlite: () => sqliteSchema,
  pg: () => pgSchema,
  mysql: () => mysqlSchema,
});

export const { users, items, tags, notes } = schema;
