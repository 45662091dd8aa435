/* berth_cli.h - engine tests that drive the berth binary: runs of it in
 * the suite's own scope (every run gets --scope <run id>, so bt_cleanup()
 * removes what it makes), manifests of sleeping services, and what the
 * scope holds afterwards.
 *
 * Every function aborts the test (check's ck_assert) when it cannot do
 * its job; returned strings are the caller's to free().
 *
 * May not use: anything but docker/ and berth_test.h.
 */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stddef.h>
#include <sys/types.h>

/* One finished run of berth. */
struct bt_berth {
        int status; /* exit status, 128 + signal when killed */
        char *out, *err;
};

void bt_berth_release(struct bt_berth *r);

/* berth ARGS... --scope <run id> (args NULL-terminated), waited for. */
struct bt_berth bt_berth_run(const char *const args[]);
/* The same, insisting on exit status `status` (showing the output when
 * it differs). */
struct bt_berth bt_berth_expect(int status, const char *const args[]);

#define BERTH(...) bt_berth_run((const char *const[]){__VA_ARGS__, NULL})
#define BERTH_EXPECT(status, ...) bt_berth_expect(status, (const char *const[]){__VA_ARGS__, NULL})
#define BERTH_OK(...) BERTH_EXPECT(0, __VA_ARGS__)
#define BERTH_FAILS(...) BERTH_EXPECT(1, __VA_ARGS__)

/* berth ARGS... --scope <run id> started and not waited for: stdout goes
 * to out_path, stderr to err_path (created or truncated), stdin is
 * /dev/null.  The child gets SIGKILL when the process that spawned it
 * dies (PR_SET_PDEATHSIG), so a failed test leaves no berth running.
 * Returns the child's pid (waitpid() it). */
pid_t bt_berth_spawn(const char *out_path, const char *err_path, const char *const args[]);

/* A file's whole text ("" when it is empty). */
char *bt_file_read(const char *path);

/* Abort unless part occurs (does not occur) in text. */
void bt_contains(const char *text, const char *part);
void bt_lacks(const char *text, const char *part);

/* vasprintf that aborts the test on failure. */
char *bt_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* A service block: the test image sleeping an hour, stopped with SIGKILL
 * so that stops are quick, then the lines of extra (4-space indented
 * keys, or NULL).  No test label: berth.* labels are berth's own; the
 * scope label marks what berth makes here. */
char *bt_service(const char *name, const char *extra);

/* Write dir/file as project bt_name(project) with the services that
 * follow (each from bt_service(), NULL-terminated), freeing them. */
void bt_manifest(const char *dir, const char *file, const char *project, ...);

/* The scope's containers as "name state" lines sorted by name; each one's
 * id in ids[] (same order, at most max) when ids is not NULL. */
char *bt_snapshot(char ids[][80], size_t max);

/* Abort unless bt_snapshot() is exactly want. */
void bt_state_is(const char *want);

#endif
