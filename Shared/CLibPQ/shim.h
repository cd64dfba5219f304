#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
#include <libpq-fe.h>

/* Diagnostic field codes are character-literal macros, which Swift does not import. */
static inline int clibpq_diag_severity(void) { return PG_DIAG_SEVERITY_NONLOCALIZED; }
static inline int clibpq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int clibpq_diag_message(void) { return PG_DIAG_MESSAGE_PRIMARY; }
static inline int clibpq_diag_detail(void) { return PG_DIAG_MESSAGE_DETAIL; }
static inline int clibpq_diag_hint(void) { return PG_DIAG_MESSAGE_HINT; }
static inline int clibpq_diag_schema(void) { return PG_DIAG_SCHEMA_NAME; }
static inline int clibpq_diag_table(void) { return PG_DIAG_TABLE_NAME; }
static inline int clibpq_diag_column(void) { return PG_DIAG_COLUMN_NAME; }
static inline int clibpq_diag_constraint(void) { return PG_DIAG_CONSTRAINT_NAME; }
#endif
