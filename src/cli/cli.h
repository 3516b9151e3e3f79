/*
** cli.h: command-line argument access for verb handlers, and the exit codes.
**
** A handler receives the arguments after its verb phrase. It asks for its options by name
** (cli_opt, cli_flag); at the end cli_finish() rejects anything it did not ask for, so a
** mistyped option is an error, never silently ignored.
*/
#ifndef KP_CLI_CLI_H
#define KP_CLI_CLI_H

/* Exit codes, documented in README.md. */
enum {
  EXIT_OK = 0,
  EXIT_BAD_INPUT = 1,  /* bad data or file: nothing was written */
  EXIT_USAGE = 2,      /* bad command line */
  EXIT_MISMATCH = 3,   /* a verification found a difference (review verify) */
  EXIT_INTERNAL = 4    /* database or system error */
};

typedef struct CliArgs {
  int argc;
  char **argv;
  unsigned char *aUsed; /* argc flags */
  const char *zVerb;    /* for messages, e.g. "data import" */
} CliArgs;

void cli_init(CliArgs *p, const char *zVerb, int argc, char **argv);
void cli_free(CliArgs *p);
/* Value of "--name VALUE" or "--name=VALUE", or NULL when absent. */
const char *cli_opt(CliArgs *p, const char *zName);
/* Every value of a repeatable option ("--set A=1 --set B=2"), in order; returns the count;
** *pazOut is malloc'd (caller frees), NULL-terminated. */
int cli_opt_all(CliArgs *p, const char *zName, const char ***pazOut);
/* Is "--name" present? */
int cli_flag(CliArgs *p, const char *zName);
/* The i-th argument (0-based) that is not an option or an option's value, or NULL. */
const char *cli_positional(CliArgs *p, int i);
/* The one positional argument of a period verb (`review show 2021-B3`): its canonical code
** into zPeriod (16 bytes). 0, or -1 after printing why. Call before cli_finish. */
int cli_period(CliArgs *p, char *zPeriod);
/* Every positional argument in order; returns the count; *pazOut is malloc'd (caller frees),
** NULL-terminated. */
int cli_positionals(CliArgs *p, const char ***pazOut);
/* Returns 0 when every argument was consumed, else prints "unknown option" and returns -1. */
int cli_finish(CliArgs *p);
/* The database path: --db, else $KAOPING_DB, else "kaoping.db". */
const char *cli_db_path(CliArgs *p);

/* The actor recorded for command-line changes: "local:<login name>" (static storage). */
const char *cli_actor(void);

/* Prints "kaoping VERB: message" to stderr. */
void cli_error(const CliArgs *p, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));

#endif
