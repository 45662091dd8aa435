/* observe_scope() against the real engine: containers in the states a
 * scope really holds (created, running, exited 3, healthy), networks and
 * volumes, next to objects of another scope and objects without berth
 * labels that must not show; exactly four GET calls, also with 20 more
 * containers; image lookups through a tag the test makes.
 *
 * (Named test_observe_engine so that its target does not clash with the
 * unit suite tests/unit/test_observe.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth_test.h"
#include "common/labels.h"
#include "docker/container.h"
#include "docker/image.h"
#include "docker/network.h"
#include "docker/volume.h"
#include "observe/observe.h"

/* ---- helpers ---------------------------------------------------------- */

static void sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

/* The scopes of the running test, unique to it and to the run: a test that
 * fails leaves its objects until the end of the test case (check's fork
 * mode skips the checked teardown after a failed assertion), and they must
 * not show up in the next test's scope. */
static char scope[256], other_scope[256];

static void scopes_init(const char *test)
{
        char suffix[128];

        snprintf(suffix, sizeof(suffix), "%s-scope", test);
        snprintf(scope, sizeof(scope), "%s", bt_name(suffix));
        snprintf(suffix, sizeof(suffix), "%s-other-scope", test);
        snprintf(other_scope, sizeof(other_scope), "%s", bt_name(suffix));
}

/* Labels: the run's always; berth's (scope, project, service, replica,
 * config hash) when in_scope is not NULL. */
struct labels {
        struct docker_kv kv[6];
        char replica[16];
        size_t n;
};

static void labels_make(struct labels *l, const char *in_scope, const char *service, int replica)
{
        l->n = 0;
        l->kv[l->n++] = (struct docker_kv){BT_LABEL, bt_run_id()};
        if (!in_scope)
                return;
        snprintf(l->replica, sizeof(l->replica), "%d", replica);
        l->kv[l->n++] = (struct docker_kv){BERTH_LABEL_SCOPE, in_scope};
        l->kv[l->n++] = (struct docker_kv){BERTH_LABEL_PROJECT, "shop"};
        l->kv[l->n++] = (struct docker_kv){BERTH_LABEL_SERVICE, service};
        l->kv[l->n++] = (struct docker_kv){BERTH_LABEL_REPLICA, l->replica};
        l->kv[l->n++] = (struct docker_kv){BERTH_LABEL_CONFIG_HASH, "hash-of-shop"};
}

/* Labels of a network or volume of in_scope: key_label (berth.network or
 * berth.volume) set to key. */
static void labels_object(struct labels *l, const char *in_scope, const char *key_label,
                          const char *key)
{
        l->n = 0;
        l->kv[l->n++] = (struct docker_kv){BT_LABEL, bt_run_id()};
        l->kv[l->n++] = (struct docker_kv){BERTH_LABEL_SCOPE, in_scope};
        l->kv[l->n++] = (struct docker_kv){BERTH_LABEL_PROJECT, "shop"};
        l->kv[l->n++] = (struct docker_kv){key_label, key};
}

enum { CREATE_ONLY, START };

/* Create (and start) container suffix with a shell command line and the
 * given labels; a healthcheck `true` every second when health is set. */
static void container_make(const char *suffix, const struct labels *l, const char *cmdline,
                           int start, int health)
{
        static const char *const check[] = {"CMD", "true", NULL};
        const char *argv[] = {"sh", "-c", cmdline, NULL};
        struct docker_container_spec s;
        struct berth_err err;

        docker_container_spec_init(&s);
        s.name = bt_name(suffix);
        s.image = bt_image();
        s.labels = l->kv;
        s.n_labels = l->n;
        s.cmd = argv;
        if (health) {
                s.healthcheck.test = check;
                s.healthcheck.interval_ns = 1000000000LL;
                s.healthcheck.retries = 3;
        }
        berth_err_clear(&err);
        ck_assert_msg(docker_container_create(NULL, bt_client(), &s, &err) == 0, "%s", err.msg);
        if (start)
                ck_assert_msg(docker_container_start(bt_client(), s.name, &err) == 0, "%s",
                              err.msg);
}

static void network_make(const char *suffix, const struct labels *l)
{
        struct docker_network_spec s = {.name = bt_name(suffix), .labels = l->kv, .n_labels = l->n};
        struct berth_err err;
        char *id = NULL;

        ck_assert_msg(docker_network_create(&id, bt_client(), &s, &err) == 0, "%s", err.msg);
        free(id);
}

static void volume_make(const char *suffix, const struct labels *l)
{
        struct docker_volume_spec s = {.name = bt_name(suffix), .labels = l->kv, .n_labels = l->n};
        struct berth_err err;

        ck_assert_msg(docker_volume_create(NULL, bt_client(), &s, &err) == 0, "%s", err.msg);
}

/* Wait until the container is not running; its exit code. */
static long wait_exit(const char *suffix)
{
        struct docker_wait_result w;
        struct berth_err err;

        ck_assert_msg(docker_container_wait(&w, bt_client(), bt_name(suffix),
                                            DOCKER_WAIT_NOT_RUNNING, 30000, NULL, &err) == 0,
                      "%s", err.msg);
        return w.exit_code;
}

/* Poll inspect until the container is healthy (at most 30 s). */
static void wait_healthy(const char *suffix)
{
        struct docker_container_info info;
        struct berth_err err;
        int i, healthy = 0;

        for (i = 0; i < 120 && !healthy; i++) {
                ck_assert_msg(docker_container_inspect(&info, bt_client(), bt_name(suffix), &err) ==
                                  0,
                              "%s", err.msg);
                healthy = info.state.has_health && !strcmp(info.state.health, "healthy");
                docker_container_info_release(&info);
                if (!healthy)
                        sleep_ms(250);
        }
        ck_assert_msg(healthy, "%s not healthy after 30 s", bt_name(suffix));
}

/* The image id a container runs, from inspect. */
static char *image_id_of(const char *suffix)
{
        struct docker_container_info info;
        struct berth_err err;
        char *id;

        ck_assert_msg(docker_container_inspect(&info, bt_client(), bt_name(suffix), &err) == 0,
                      "%s", err.msg);
        id = strdup(info.image_id);
        docker_container_info_release(&info);
        return id;
}

/* observe_scope() on the shared client, asserting it made exactly four
 * calls and none that could change anything. */
static struct actual_state *observe_counted(const char *which)
{
        struct docker_call_stats before, after;
        struct actual_state *s = NULL;
        struct berth_err err;

        berth_err_clear(&err);
        docker_client_stats(bt_client(), &before);
        ck_assert_msg(observe_scope(&s, bt_client(), which, &err) == 0, "%s", err.msg);
        docker_client_stats(bt_client(), &after);
        ck_assert_uint_eq(after.total - before.total, 4);
        ck_assert_uint_eq(after.mutating - before.mutating, 0);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s->scope, which);
        return s;
}

static const struct actual_container *find(const struct actual_state *s, const char *suffix)
{
        const char *name = bt_name(suffix);
        size_t i;

        for (i = 0; i < s->ncontainers; i++)
                if (!strcmp(s->containers[i].name, name))
                        return &s->containers[i];
        ck_abort_msg("container %s not observed", name);
        return NULL;
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(scope_in_four_calls_with_state_health_and_labels)
{
        struct labels l;
        struct actual_state *s;
        const struct actual_container *c;
        char *image_id, name[64];
        size_t i;

        scopes_init("state");
        labels_make(&l, scope, "web", 1);
        container_make("created", &l, "sleep 600", CREATE_ONLY, 0);
        labels_make(&l, scope, "web", 2);
        container_make("running", &l, "sleep 600", START, 0);
        labels_make(&l, scope, "job", 1);
        container_make("exit3", &l, "exit 3", START, 0);
        labels_make(&l, scope, "db", 1);
        container_make("healthy", &l, "sleep 600", START, 1);
        labels_make(&l, other_scope, "web", 1);
        container_make("other", &l, "sleep 600", START, 0);
        labels_make(&l, NULL, NULL, 0);
        container_make("unlabelled", &l, "sleep 600", CREATE_ONLY, 0);
        ck_assert_int_eq(wait_exit("exit3"), 3);
        wait_healthy("healthy");
        image_id = image_id_of("running");

        s = observe_counted(scope);
        ck_assert_uint_eq(s->ncontainers, 4);
        /* sorted by project, service, replica */
        ck_assert_str_eq(s->containers[0].name, bt_name("healthy"));
        ck_assert_str_eq(s->containers[1].name, bt_name("exit3"));
        ck_assert_str_eq(s->containers[2].name, bt_name("created"));
        ck_assert_str_eq(s->containers[3].name, bt_name("running"));

        c = find(s, "created");
        ck_assert_int_eq(c->state, ACTUAL_CREATED);
        ck_assert_int_eq(c->exit_code, -1);
        ck_assert_int_eq(c->health, ACTUAL_HEALTH_NONE);
        c = find(s, "running");
        ck_assert_int_eq(c->state, ACTUAL_RUNNING);
        ck_assert_int_eq(c->exit_code, -1);
        ck_assert_int_eq(c->health, ACTUAL_HEALTH_NONE);
        c = find(s, "exit3");
        ck_assert_int_eq(c->state, ACTUAL_EXITED);
        ck_assert_int_eq(c->exit_code, 3);
        c = find(s, "healthy");
        ck_assert_int_eq(c->state, ACTUAL_RUNNING);
        ck_assert_int_eq(c->health, ACTUAL_HEALTH_HEALTHY);

        for (i = 0; i < s->ncontainers; i++) {
                c = &s->containers[i];
                ck_assert_uint_eq(strlen(c->id), 64);
                ck_assert_str_eq(c->project, "shop");
                ck_assert_str_eq(c->config_hash, "hash-of-shop");
                ck_assert_str_eq(c->applied, "");
                ck_assert_int_eq(c->temp, 0);
                ck_assert_str_eq(c->image, bt_image());
                ck_assert_str_eq(c->image_id, image_id);
                ck_assert_uint_eq(c->nlabels, 6);
                ck_assert_str_eq(actual_container_label(c, BT_LABEL), bt_run_id());
                ck_assert_str_eq(actual_container_label(c, BERTH_LABEL_SCOPE), scope);
                snprintf(name, sizeof(name), "%d", c->replica);
                ck_assert_str_eq(actual_container_label(c, BERTH_LABEL_REPLICA), name);
        }
        ck_assert_int_eq(find(s, "created")->replica, 1);
        ck_assert_int_eq(find(s, "running")->replica, 2);
        ck_assert_str_eq(find(s, "exit3")->service, "job");
        /* the tag the containers were made from names what they run */
        ck_assert_ptr_nonnull(actual_image_id(s, bt_image()));
        ck_assert_str_eq(actual_image_id(s, bt_image()), image_id);
        actual_state_free(s);

        /* the other scope sees its one container and nothing of ours */
        s = observe_counted(other_scope);
        ck_assert_uint_eq(s->ncontainers, 1);
        ck_assert_str_eq(s->containers[0].name, bt_name("other"));
        ck_assert_int_eq(s->containers[0].state, ACTUAL_RUNNING);
        actual_state_free(s);
        free(image_id);
}
END_TEST

START_TEST(networks_and_volumes_of_the_scope_only)
{
        struct labels l;
        struct actual_state *s;

        scopes_init("netvol");
        labels_object(&l, scope, BERTH_LABEL_NETWORK, "default");
        network_make("shop_default", &l);
        labels_object(&l, scope, BERTH_LABEL_NETWORK, "back");
        network_make("shop_back", &l);
        labels_object(&l, scope, BERTH_LABEL_VOLUME, "data");
        volume_make("shop_data", &l);
        labels_object(&l, other_scope, BERTH_LABEL_NETWORK, "default");
        network_make("other_default", &l);
        labels_object(&l, other_scope, BERTH_LABEL_VOLUME, "data");
        volume_make("other_data", &l);
        labels_make(&l, NULL, NULL, 0);
        network_make("unlabelled", &l);
        volume_make("unlabelled", &l);

        s = observe_counted(scope);
        ck_assert_uint_eq(s->ncontainers, 0);
        ck_assert_uint_eq(s->nnetworks, 2);
        ck_assert_str_eq(s->networks[0].name, bt_name("shop_back"));
        ck_assert_str_eq(s->networks[0].key, "back");
        ck_assert_str_eq(s->networks[0].project, "shop");
        ck_assert_uint_eq(strlen(s->networks[0].id), 64);
        ck_assert_str_eq(s->networks[1].name, bt_name("shop_default"));
        ck_assert_str_eq(s->networks[1].key, "default");
        ck_assert_uint_eq(s->nvolumes, 1);
        ck_assert_str_eq(s->volumes[0].name, bt_name("shop_data"));
        ck_assert_str_eq(s->volumes[0].key, "data");
        ck_assert_str_eq(s->volumes[0].project, "shop");
        actual_state_free(s);

        s = observe_counted(other_scope);
        ck_assert_uint_eq(s->nnetworks, 1);
        ck_assert_str_eq(s->networks[0].name, bt_name("other_default"));
        ck_assert_uint_eq(s->nvolumes, 1);
        ck_assert_str_eq(s->volumes[0].name, bt_name("other_data"));
        actual_state_free(s);
}
END_TEST

START_TEST(twenty_more_containers_still_four_calls)
{
        struct labels l;
        struct actual_state *s;
        char suffix[32];
        int i;

        scopes_init("twenty");
        labels_make(&l, scope, "web", 1);
        container_make("first", &l, "sleep 600", START, 0);
        s = observe_counted(scope);
        ck_assert_uint_eq(s->ncontainers, 1);
        actual_state_free(s);

        for (i = 1; i <= 20; i++) {
                snprintf(suffix, sizeof(suffix), "many-%d", i);
                labels_make(&l, scope, "many", i);
                container_make(suffix, &l, "true", CREATE_ONLY, 0);
        }
        s = observe_counted(scope);
        ck_assert_uint_eq(s->ncontainers, 21);
        /* "many" sorts before "web"; replicas in numeric order */
        for (i = 0; i < 20; i++) {
                snprintf(suffix, sizeof(suffix), "many-%d", i + 1);
                ck_assert_str_eq(s->containers[i].name, bt_name(suffix));
                ck_assert_int_eq(s->containers[i].replica, i + 1);
                ck_assert_int_eq(s->containers[i].state, ACTUAL_CREATED);
        }
        ck_assert_str_eq(s->containers[20].name, bt_name("first"));
        actual_state_free(s);
}
END_TEST

/* The tag image_tags_in_every_spelling makes.  bt_cleanup() leaves it (the
 * test image does not carry this program's run label), so it is removed
 * after each test and, for a test that failed, after the test case. */
static const char *tag_name(void)
{
        static char tag[512];

        snprintf(tag, sizeof(tag), "berth-test/%s-observe:1", bt_run_id());
        return tag;
}

static void untag(void)
{
        struct docker_client *c = NULL;
        struct berth_err err;
        int r;

        /* a client of its own: this also runs in check's parent process,
         * whose children must not inherit a live client */
        r = docker_client_from_env(&c, NULL, &err);
        if (r == 0)
                r = docker_image_remove(c, tag_name(), 0, &err);
        if (r < 0 && r != BERTH_ENOTFOUND)
                fprintf(stderr, "cleanup: %s\n", err.msg);
        docker_client_free(c);
}

START_TEST(image_tags_in_every_spelling)
{
        struct actual_state *s;
        struct berth_err err;
        const char *id, *tag = tag_name();
        char ref[600];

        scopes_init("image");
        ck_assert_msg(docker_image_tag(bt_client(), bt_image(), tag, &err) == 0, "%s", err.msg);
        s = observe_counted(scope);
        id = actual_image_id(s, bt_image());
        ck_assert_ptr_nonnull(id);
        ck_assert_msg(!strncmp(id, "sha256:", 7), "%s", id);
        ck_assert_ptr_nonnull(actual_image_id(s, tag));
        ck_assert_str_eq(actual_image_id(s, tag), id);
        snprintf(ref, sizeof(ref), "docker.io/%s", tag);
        ck_assert_ptr_nonnull(actual_image_id(s, ref));
        ck_assert_str_eq(actual_image_id(s, ref), id);
        /* no :latest was made, and a digest reference is never found */
        snprintf(ref, sizeof(ref), "berth-test/%s-observe", bt_run_id());
        ck_assert_ptr_null(actual_image_id(s, ref));
        snprintf(ref, sizeof(ref), "berth-test/%s-observe@%s", bt_run_id(), id);
        ck_assert_ptr_null(actual_image_id(s, ref));
        actual_state_free(s);
}
END_TEST

START_TEST(empty_scope_makes_no_call)
{
        struct docker_call_stats before, after;
        struct actual_state *s = (struct actual_state *)1;
        struct berth_err err;

        docker_client_stats(bt_client(), &before);
        ck_assert_int_eq(observe_scope(&s, bt_client(), "", &err), BERTH_EINVALID);
        docker_client_stats(bt_client(), &after);
        ck_assert_ptr_null(s);
        ck_assert_str_eq(err.msg, "cannot observe: the scope is empty");
        ck_assert_uint_eq(after.total, before.total);
}
END_TEST

START_TEST(no_engine_is_an_error_and_no_state)
{
        struct docker_host host = {.kind = DOCKER_HOST_UNIX};
        struct docker_client *c = NULL;
        struct actual_state *s = (struct actual_state *)1;
        struct berth_err err;

        scopes_init("noengine");
        snprintf(host.path, sizeof(host.path), "%s/docker.sock", bt_tmpdir());
        ck_assert_msg(docker_client_new(&c, &host, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(observe_scope(&s, c, scope, &err), BERTH_ECONNECT);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(err.msg, host.path), "%s", err.msg);
        docker_client_free(c);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("observe_engine");
        TCase *tc = tcase_create("engine");

        bt_tcase_engine(tc);
        tcase_add_checked_fixture(tc, NULL, untag);
        tcase_add_unchecked_fixture(tc, NULL, untag);
        tcase_add_test(tc, scope_in_four_calls_with_state_health_and_labels);
        tcase_add_test(tc, networks_and_volumes_of_the_scope_only);
        tcase_add_test(tc, twenty_more_containers_still_four_calls);
        tcase_add_test(tc, image_tags_in_every_spelling);
        tcase_add_test(tc, empty_scope_makes_no_call);
        tcase_add_test(tc, no_engine_is_an_error_and_no_state);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
