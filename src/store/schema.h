/*
** schema.h: the numbered migrations that build kaoping's database (store/schema.c).
** Migration i (0-based) brings the schema from version i to i+1 (PRAGMA user_version).
*/
#ifndef KP_STORE_SCHEMA_H
#define KP_STORE_SCHEMA_H

typedef struct SchemaMigration {
  const char *zName;       /* what it adds */
  const char *zSql;        /* DDL, run in one transaction */
  const char *zSetVersion; /* "PRAGMA user_version = N" */
} SchemaMigration;

int schema_migration_count(void);
const SchemaMigration *schema_migration(int i);

#endif
