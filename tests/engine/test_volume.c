/* Volumes against the real engine: create, inspect, list with filters,
 * remove, remove of a missing one and of one in use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "docker/volume.h"

/* A created (not started) container that mounts volume at /data. */
static char *container_using(const char *name, const char *volume)
{
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}};
        struct docker_mount mount = {
            .type = DOCKER_MOUNT_VOLUME, .source = volume, .target = "/data"};
        struct docker_container_spec spec;
        struct berth_err err;
        char *id = NULL;

        docker_container_spec_init(&spec);
        spec.name = name;
        spec.image = bt_image();
        spec.labels = labels;
        spec.n_labels = 1;
        spec.mounts = &mount;
        spec.n_mounts = 1;
        ck_assert_msg(docker_container_create(&id, bt_client(), &spec, &err) == 0, "%s", err.msg);
        return id;
}

static const char *label_of(const struct docker_volume *v, const char *key)
{
        return docker_kv_get(v->labels, v->n_labels, key);
}

START_TEST(create_inspect_remove)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}, {"berth.test-case", "create"}};
        struct docker_kv opts[] = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m"}};
        struct docker_volume_spec spec = {.name = bt_name("vol-create"),
                                          .labels = labels,
                                          .n_labels = 2,
                                          .driver_opts = opts,
                                          .n_driver_opts = 3};
        struct docker_volume vol, again;
        struct berth_err err;

        ck_assert_msg(docker_volume_create(&vol, c, &spec, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(vol.name, spec.name);
        ck_assert_str_eq(vol.driver, "local");
        docker_volume_release(&vol);

        ck_assert_msg(docker_volume_inspect(&vol, c, spec.name, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(vol.name, spec.name);
        ck_assert_str_eq(vol.driver, "local");
        ck_assert_str_eq(vol.scope, "local");
        ck_assert_msg(strstr(vol.mountpoint, spec.name), "%s", vol.mountpoint);
        ck_assert_msg(strncmp(vol.created, "20", 2) == 0, "%s", vol.created);
        ck_assert_uint_eq(vol.n_labels, 2);
        ck_assert_str_eq(label_of(&vol, BT_LABEL), bt_run_id());
        ck_assert_str_eq(label_of(&vol, "berth.test-case"), "create");
        ck_assert_uint_eq(vol.n_options, 3);
        ck_assert_pstr_eq(docker_kv_get(vol.options, vol.n_options, "o"), "size=1m");
        ck_assert_pstr_eq(docker_kv_get(vol.options, vol.n_options, "type"), "tmpfs");
        ck_assert_ptr_nonnull(json_object_get(vol.raw, "Mountpoint"));

        /* Creating it again answers with the existing volume, labels unchanged. */
        labels[1].value = "changed";
        spec.n_driver_opts = 0;
        ck_assert_msg(docker_volume_create(&again, c, &spec, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(again.name, spec.name);
        ck_assert_str_eq(label_of(&again, "berth.test-case"), "create");
        ck_assert_str_eq(again.mountpoint, vol.mountpoint);
        docker_volume_release(&again);
        docker_volume_release(&vol);

        ck_assert_msg(docker_volume_remove(c, spec.name, 0, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(docker_volume_inspect(&vol, c, spec.name, &err), BERTH_ENOTFOUND);
        docker_volume_release(&vol);
}
END_TEST

START_TEST(missing_volume_is_not_found_naming_it)
{
        struct docker_client *c = bt_client();
        const char *name = bt_name("vol-missing");
        struct docker_volume vol;
        struct berth_err err;
        char want[512];

        ck_assert_int_eq(docker_volume_remove(c, name, 0, &err), BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot remove volume '%s': ", name);
        ck_assert_msg(strstr(err.msg, want) == err.msg, "%s", err.msg);
        ck_assert_int_eq(err.http_status, 404);
        ck_assert_msg(strstr(err.engine_msg, "no such volume"), "%s", err.engine_msg);

        ck_assert_int_eq(docker_volume_inspect(&vol, c, name, &err), BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot inspect volume '%s': ", name);
        ck_assert_msg(strstr(err.msg, want) == err.msg, "%s", err.msg);
        docker_volume_release(&vol);

        /* With force a missing volume is not an error. */
        ck_assert_msg(docker_volume_remove(c, name, 1, &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(remove_in_use_is_a_conflict_naming_it)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}};
        struct docker_volume_spec spec = {
            .name = bt_name("vol-inuse"), .labels = labels, .n_labels = 1};
        struct berth_err err;
        char want[512], *cid;

        ck_assert_msg(docker_volume_create(NULL, c, &spec, &err) == 0, "%s", err.msg);
        cid = container_using(bt_name("vol-inuse-c"), spec.name);

        ck_assert_int_eq(docker_volume_remove(c, spec.name, 0, &err), BERTH_ECONFLICT);
        snprintf(want, sizeof(want), "cannot remove volume '%s': ", spec.name);
        ck_assert_msg(strstr(err.msg, want) == err.msg, "%s", err.msg);
        ck_assert_int_eq(err.http_status, 409);
        ck_assert_msg(strstr(err.engine_msg, "volume is in use"), "%s", err.engine_msg);
        /* force does not take it from a container either. */
        ck_assert_int_eq(docker_volume_remove(c, spec.name, 1, &err), BERTH_ECONFLICT);

        ck_assert_msg(docker_container_remove(c, cid, DOCKER_REMOVE_FORCE, &err) == 0, "%s",
                      err.msg);
        ck_assert_msg(docker_volume_remove(c, spec.name, 0, &err) == 0, "%s", err.msg);
        free(cid);
}
END_TEST

static int listed(const struct docker_volume_list *l, const char *name)
{
        size_t i;
        int n = 0;

        for (i = 0; i < l->count; i++)
                n += strcmp(l->items[i].name, name) == 0;
        return n;
}

/* Labels find exactly this test's volumes; names are exact although the
 * engine's filter is a substring; use selects by dangling. */
START_TEST(list_filters)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}, {"berth.test-case", "list"}};
        const char *a = bt_name("vol-list"), *ab = bt_name("vol-listab");
        struct docker_volume_spec sa = {.name = a, .labels = labels, .n_labels = 2};
        struct docker_volume_spec sab = {.name = ab, .labels = labels, .n_labels = 2};
        struct docker_volume_spec other = {
            .name = bt_name("vol-list-other"), .labels = labels, .n_labels = 1};
        const char *by_label[] = {bt_label_filter(), "berth.test-case=list", NULL};
        const char *by_name[] = {a, NULL};
        struct docker_volume_filter f = {.labels = by_label};
        struct docker_volume_list list;
        struct berth_err err;
        char *cid;

        ck_assert_msg(docker_volume_create(NULL, c, &sa, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_volume_create(NULL, c, &sab, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_volume_create(NULL, c, &other, &err) == 0, "%s", err.msg);
        cid = container_using(bt_name("vol-list-c"), ab);

        ck_assert_msg(docker_volume_list(&list, c, &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 2);
        ck_assert_int_eq(listed(&list, a), 1);
        ck_assert_int_eq(listed(&list, ab), 1);
        ck_assert_str_eq(label_of(&list.items[0], "berth.test-case"), "list");
        ck_assert_str_ne(list.items[0].mountpoint, "");
        ck_assert_uint_eq(list.n_warnings, 0);
        ck_assert_ptr_null(list.warnings[0]);
        docker_volume_list_release(&list);

        /* The engine's name filter alone would also return vol-listab. */
        f.names = by_name;
        ck_assert_msg(docker_volume_list(&list, c, &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 1);
        ck_assert_str_eq(list.items[0].name, a);
        docker_volume_list_release(&list);

        f.names = NULL;
        f.use = DOCKER_VOLUME_USED;
        ck_assert_msg(docker_volume_list(&list, c, &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 1);
        ck_assert_str_eq(list.items[0].name, ab);
        docker_volume_list_release(&list);

        f.use = DOCKER_VOLUME_UNUSED;
        ck_assert_msg(docker_volume_list(&list, c, &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 1);
        ck_assert_str_eq(list.items[0].name, a);
        docker_volume_list_release(&list);
        free(cid);
}
END_TEST

START_TEST(anonymous_volume_and_bad_spec)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}};
        struct docker_kv bad[] = {{NULL, "x"}};
        struct docker_volume_spec anon = {.labels = labels, .n_labels = 1};
        struct docker_volume_spec badspec = {
            .name = bt_name("vol-bad"), .labels = bad, .n_labels = 1};
        struct docker_volume vol;
        struct berth_err err;

        /* No name: the engine makes one up (64 hex digits). */
        ck_assert_msg(docker_volume_create(&vol, c, &anon, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(strlen(vol.name), 64);
        ck_assert_str_eq(label_of(&vol, BT_LABEL), bt_run_id());
        ck_assert_msg(docker_volume_remove(c, vol.name, 0, &err) == 0, "%s", err.msg);
        docker_volume_release(&vol);

        ck_assert_int_eq(docker_volume_create(&vol, c, &badspec, &err), BERTH_EINVALID);
        ck_assert_msg(strstr(err.msg, "cannot create volume 'berthtest-") == err.msg, "%s",
                      err.msg);
        ck_assert_msg(strstr(err.msg, "label with an empty key"), "%s", err.msg);
        docker_volume_release(&vol);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("volume");
        TCase *tc = tcase_create("engine");

        bt_tcase_engine(tc);
        tcase_add_test(tc, create_inspect_remove);
        tcase_add_test(tc, missing_volume_is_not_found_naming_it);
        tcase_add_test(tc, remove_in_use_is_a_conflict_naming_it);
        tcase_add_test(tc, list_filters);
        tcase_add_test(tc, anonymous_volume_and_bad_spec);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
