/* berth_test.h - what every test links: the engine environment tests/run
 * sets up, names and labels that mark test objects, and cleanup.
 *
 * Engine tests call bt_engine_main() from main(): without the environment
 * (BERTH_TEST_RUN and friends) they fail with a message saying to use
 * tests/run; they are never skipped silently.
 *
 * Every engine object a test creates must carry BT_LABEL=<run id> and a
 * name from bt_name(); bt_cleanup() removes every container, network and
 * volume with that label, and untags images with the label tagged
 * berth-test/<run>-*, after each passing test (in its process), after
 * each test case and at exit (in the runner, which also covers a test that
 * failed: check _exit()s a failed test without its teardown), so a failing
 * test leaves nothing.
 */
#ifndef BERTH_TEST_H
#define BERTH_TEST_H

#include <check.h>
#include <sys/types.h>
#include <jansson.h>

#include "docker/client.h"

#define BT_LABEL "berth.test-run"

/* Environment (aborts the test with a clear message when unset). */
const char *bt_run_id(void);            /* BERTH_TEST_RUN + "-" + suite: this program's scope */
const char *bt_image(void);             /* BERTH_TEST_IMAGE: local busybox image */
const char *bt_registry(void);          /* BERTH_TEST_REGISTRY: "127.0.0.1:5000" */
const char *bt_registry_user(void);     /* BERTH_TEST_REGISTRY_USER */
const char *bt_registry_password(void); /* BERTH_TEST_REGISTRY_PASSWORD */
const char *bt_registry_image(void);    /* BERTH_TEST_REGISTRY_IMAGE: pushed there */

/* "berthtest-<run>-<suffix>" in one of 16 rotating static buffers. */
const char *bt_name(const char *suffix);
/* "berth.test-run=<run>", for label filters. */
const char *bt_label_filter(void);
/* "berth.scope=<run>": berth run by a test uses --scope <run id>, and
 * what it creates is cleaned up by this label. */
const char *bt_scope_filter(void);

/* A client for the test engine (DOCKER_HOST), shared, negotiated. */
struct docker_client *bt_client(void);

/* Remove every engine object carrying this run's label. */
void bt_cleanup(void);

/* Add the cleanup fixture to tc (engine tests do this for every TCase). */
void bt_tcase_engine(TCase *tc);

/* Run suite s (CK_VERBOSE, check's summary line printed); returns the
 * process exit status.  bt_engine_main() also checks the environment
 * first and cleans up at the end. */
int bt_unit_main(Suite *s);
int bt_engine_main(Suite *s);

/* Run argv (NULL-terminated; argv[0] found on PATH) with stdin from
 * /dev/null; capture stdout and stderr (each may be NULL; free() them)
 * and return the exit status, or -1 when it could not run. */
int bt_run(char **out, char **errout, const char *const argv[]);

/* Start argv (argv[0] a path) with stdin from /dev/null and stdout and
 * stderr in the files named (created or truncated), not waited for; the
 * child gets SIGKILL when the process that started it dies
 * (PR_SET_PDEATHSIG), so a failed test leaves nothing running.  Its pid
 * (waitpid() it); aborts the test on failure. */
pid_t bt_spawn(const char *out_path, const char *err_path, const char *const argv[]);

/* A monotonic clock in seconds, and a sleep that signals do not cut short. */
double bt_now_s(void);
void bt_sleep_ms(long ms);

/* Write text to dir/name (creating dir); aborts the test on failure. */
void bt_write_file(const char *dir, const char *name, const char *text);

/* root's member at a dot-separated path ("HostConfig.Memory"; keys
 * without dots, at most 255 bytes each), or NULL. */
json_t *bt_json_at(json_t *root, const char *path);

/* git -C repo ARGS... (NULL-terminated) as a test identity (user.name,
 * user.email, init.defaultBranch=main, gc.auto=0); aborts the test,
 * showing git's output, when it fails. */
void bt_git(const char *repo, const char *const args[]);
#define BT_GIT(repo, ...) bt_git(repo, (const char *const[]){__VA_ARGS__, NULL})

/* The policy tests/fixtures/policy/allow-all.yaml, loaded once per
 * process (aborts the test when it cannot be): for tests of other stages
 * whose manifests ask for host-level powers the default policy refuses. */
struct policy;
const struct policy *bt_policy_allow_all(void);
#define BT_POLICY_ALLOW_ALL BERTH_TEST_DATA "/fixtures/policy/allow-all.yaml"

/* A fresh temporary directory under $TMPDIR, removed when the process
 * that made it exits normally (each check test runs in a process of its
 * own; with CK_FORK=no, as under valgrind, all of a suite's directories
 * stay until it ends).  A failing test _exit()s and leaves it: tests/run
 * points TMPDIR at the run's own directory and removes that at the end. */
const char *bt_tmpdir(void);

/* python-jsonschema's draft-07 verdict (formats checked) on every document
 * of the JSON array docs against the schema file: 0 all valid, 1 not (each
 * problem in *errout, the caller's to free).  Aborts the test when it cannot
 * run (python3-jsonschema missing, a broken schema). */
int bt_jsonschema_check(const char *schema_path, const json_t *docs, char **errout);

#endif
