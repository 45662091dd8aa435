/* cli/cli.h - the commands.  Each cmd_* parses its own options (argv[0] is
 * the command name), accepts --help, prints its own output and returns the
 * process exit code.  Only this layer and the watch loop print.
 *
 * Exit codes shared by all commands are below; a command documents any of
 * its own (plan's --detailed-exitcode) in the README.
 */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdio.h>

enum cli_exit {
        CLI_EXIT_OK = 0,
        CLI_EXIT_FAIL = 1,  /* the command ran and failed, or input was rejected */
        CLI_EXIT_USAGE = 64 /* bad command line (sysexits' EX_USAGE) */
};

/* Options every command accepts, parsed before the command's own. */
struct cli_global {
        const char *host; /* -H: engine address, else DOCKER_HOST */
};

struct cli_command {
        const char *name;
        int (*run)(int argc, char **argv, const struct cli_global *g);
        const char *summary;
};

int cmd_version(int argc, char **argv, const struct cli_global *g);
int cmd_validate(int argc, char **argv, const struct cli_global *g);
int cmd_config(int argc, char **argv, const struct cli_global *g);
int cmd_schema(int argc, char **argv, const struct cli_global *g);
int cmd_plan(int argc, char **argv, const struct cli_global *g);
int cmd_apply(int argc, char **argv, const struct cli_global *g);
int cmd_down(int argc, char **argv, const struct cli_global *g);
int cmd_status(int argc, char **argv, const struct cli_global *g);
int cmd_watch(int argc, char **argv, const struct cli_global *g);
int cmd_sync(int argc, char **argv, const struct cli_global *g);

/* The options of the daemons (watch, sync) that set the watch loop:
 * --scope, --debounce, --resync, --parallel, --log-format, as getopt_long
 * entries returning 's', 'd', 'r', 'P', 'l'. */
/* clang-format off */
#define CLI_DAEMON_OPTIONS                                      \
        {"scope", required_argument, NULL, 's'},                \
        {"debounce", required_argument, NULL, 'd'},             \
        {"resync", required_argument, NULL, 'r'},               \
        {"parallel", required_argument, NULL, 'P'},             \
        {"log-format", required_argument, NULL, 'l'}
/* clang-format on */
struct watch_options;
/* Apply one of them to o: 1 when opt was one (and valid), 0 when it is not
 * one of them, -1 when its value is wrong (the error printed, naming cmd). */
int cli_daemon_option(struct watch_options *o, int opt, const char *arg, const char *cmd);
/* The checks after parsing (the scope's name): 0, or -1 with the error
 * printed. */
int cli_daemon_check(const struct watch_options *o, const char *cmd);

/* Is s a scope name: 1 to 63 of [A-Za-z0-9_.-], starting alphanumeric? */
int cli_scope_valid(const char *s);

struct manifest_set;
struct model_state;
struct actual_state;
struct diff_result;

/* Load root (NULL: ./manifests) into set, or report why it could not be
 * read (set is then released) and return -1. */
int cli_load(struct manifest_set *set, const char *root);
/* Print every diagnostic of set to stderr; returns the number of errors. */
size_t cli_print_diags(const struct manifest_set *set);

/* berth status's table (or JSON) from the pipeline's results; frozen:
 * projects whose manifests did not load, NULL-terminated. */
void cli_status_print(const struct model_state *desired, const struct actual_state *actual,
                      const struct diff_result *diff, const char *const *frozen, const char *scope,
                      int json);

/* Print "berth: <message>" for err to stderr. */
struct berth_err;
void cli_report(const struct berth_err *err);

#endif
