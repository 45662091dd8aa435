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
struct policy;

/* --policy FILE and --insecure-manifests: every command that reads
 * manifests takes them (cli/policy.c).  Put CLI_TRUST_OPTIONS in the
 * getopt_long table and hand the two codes to cli_trust_option(). */
enum { CLI_OPT_POLICY = 0x100, CLI_OPT_INSECURE };
#define CLI_TRUST_OPTIONS                                                                          \
        {"policy", required_argument, NULL, CLI_OPT_POLICY},                                       \
        {                                                                                          \
                "insecure-manifests", no_argument, NULL, CLI_OPT_INSECURE                          \
        }
#define CLI_TRUST_USAGE                                                                            \
        "      --policy FILE      the operator's policy: the host-level powers manifests may\n"     \
        "                         use (default $BERTH_POLICY; none: every power refused)\n"        \
        "      --insecure-manifests  accept manifests other users can write, with a warning\n"

struct cli_trust {
        const char *policy_file; /* --policy, else $BERTH_POLICY when set and not empty */
        int insecure;            /* --insecure-manifests */
        struct policy *policy;   /* owned: loaded by cli_policy_load(), NULL: the default */
        int loaded;
};

/* Take CLI_OPT_POLICY / CLI_OPT_INSECURE (other codes are ignored). */
void cli_trust_option(struct cli_trust *t, int opt, const char *arg);
/* Read the policy file once (a no-op when done or when there is none),
 * printing its problems and warnings.  -1 after printing why it cannot be
 * used: a bad policy is a usage error (CLI_EXIT_USAGE), and nothing else
 * may happen. */
int cli_policy_load(struct cli_trust *t);
void cli_trust_release(struct cli_trust *t);

/* Load root (NULL: ./manifests) into set under t's policy (loading it
 * first).  0; or, after reporting why (set is then released), -1 when the
 * manifests could not be read, CLI_LOAD_BAD_POLICY when the policy could
 * not be used. */
#define CLI_LOAD_BAD_POLICY (-2)
int cli_load(struct manifest_set *set, const char *root, struct cli_trust *t);
/* The exit code for cli_load()'s failure r. */
#define CLI_LOAD_EXIT(r) ((r) == CLI_LOAD_BAD_POLICY ? CLI_EXIT_USAGE : CLI_EXIT_FAIL)
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
