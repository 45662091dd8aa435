/* The policy gate (policy/policy.h, manifest/normalize_policy.c): every
 * host-level power the default policy refuses, each with its exact
 * message at the key that asks (host namespaces and devices included);
 * the same allowed by a policy file per project, per service and by glob;
 * bind roots and image patterns; and every kind of bad policy file with
 * its exact file:line:col message.
 *
 * Manifests are loaded through manifest_load() from a temporary directory
 * the test runs in: they are named "m/NAME.yaml" in messages, the policy
 * file "policy.yaml". */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth_cli.h"
#include "berth_test.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/load.h"
#include "model/model.h"
#include "policy/policy.h"

static const char *const no_environment[] = {NULL};

/* A fresh directory with m/ in it, and the test in it. */
static void here(void)
{
        const char *dir = bt_tmpdir();

        ck_assert_msg(chdir(dir) == 0, "cd %s: %s", dir, strerror(errno));
        ck_assert_int_eq(mkdir("m", 0755), 0);
}

static struct policy *policy_from(const char *text)
{
        struct diag_list diags;
        struct berth_err err;
        struct policy *p = NULL;
        char *all;

        bt_write_file(".", "policy.yaml", text);
        diag_list_init(&diags);
        berth_err_clear(&err);
        if (policy_load(&p, "policy.yaml", 0, &diags, &err) < 0) {
                all = diag_list_format(&diags);
                ck_abort_msg("policy does not load: %s\n%s", err.msg, all);
        }
        diag_list_release(&diags);
        return p;
}

/* Load m/ (where the manifests are) under p; returns every diagnostic,
 * one per line ("" with none), and the set in *out when out is set. */
static char *load_with(const struct policy *p, struct manifest_set *out)
{
        struct manifest_load_opts opts = {.root = "m", .environ = no_environment, .policy = p};
        struct manifest_set set;
        struct berth_err err;
        char *text;

        berth_err_clear(&err);
        ck_assert_msg(manifest_load(&set, &opts, &err) == 0, "manifest_load: %s", err.msg);
        text = diag_list_format(&set.diags);
        ck_assert_ptr_nonnull(text);
        if (out)
                *out = set;
        else
                manifest_set_release(&set);
        return text;
}

/* m/shop.yaml holding one service web with these keys (4-space indented
 * lines), loaded under p: its diagnostics. */
static char *web(const char *keys, const struct policy *p)
{
        char *yaml = bt_fmt("services:\n  web:\n    image: busybox\n%s", keys);

        bt_write_file("m", "shop.yaml", yaml);
        free(yaml);
        return load_with(p, NULL);
}

static void expect_web(const char *keys, const struct policy *p, const char *want)
{
        char *got = web(keys, p);

        ck_assert_msg(!strcmp(got, want), "keys:\n%s\ngot:\n%s\nwant:\n%s", keys, got, want);
        free(got);
}

/* m/shop.yaml as yaml, loaded under p: exactly these diagnostics. */
static void expect_file(const char *yaml, const struct policy *p, const char *want)
{
        char *got;

        bt_write_file("m", "shop.yaml", yaml);
        got = load_with(p, NULL);
        ck_assert_str_eq(got, want);
        free(got);
}

/* The default policy's advice, after "is refused by the default policy". */
#define DEFAULT(service, allow)                                                                    \
        ": to allow it, write a policy file with an allow entry for project 'shop', service "      \
        "'" service "' that has \"" allow "\", and pass it with --policy (README \"Policy\")\n"

/* ---- what the default policy refuses ------------------------------------ */

static const struct {
        const char *keys, *want;
} refused[] = {
    {"    privileged: true\n",
     "m/shop.yaml:4:5: services.web.privileged: privileged mode (every power of the host's root) "
     "is refused by the default policy" DEFAULT("web", "privileged: true")},
    {"    cap_add: [SYS_ADMIN]\n",
     "m/shop.yaml:4:15: services.web.cap_add[0]: capability SYS_ADMIN (not in Docker's default "
     "set) is refused by the default policy" DEFAULT("web", "capabilities: [SYS_ADMIN]")},
    {"    cap_add: [cap_net_admin]\n",
     "m/shop.yaml:4:15: services.web.cap_add[0]: capability NET_ADMIN (not in Docker's default "
     "set) is refused by the default policy" DEFAULT("web", "capabilities: [NET_ADMIN]")},
    {"    cap_add:\n      - CHOWN\n      - ALL\n",
     "m/shop.yaml:6:9: services.web.cap_add[1]: capability ALL (every capability the kernel has) "
     "is refused by the default policy" DEFAULT("web", "capabilities: [ALL]")},
    {"    cap_add: [SYS_ADMN]\n",
     "m/shop.yaml:4:15: services.web.cap_add[0]: 'SYS_ADMN' is not a Linux capability: correct "
     "the name (see capabilities(7))\n"},
    {"    network_mode: host\n",
     "m/shop.yaml:4:5: services.web.network_mode: the host's network namespace (network_mode: "
     "host) is refused by the default policy" DEFAULT("web", "host_namespaces: [network]")},
    {"    network_mode: container:other\n",
     "m/shop.yaml:4:5: services.web.network_mode: the network namespace of a container berth "
     "does not manage, which may be the host's (network_mode: container:...) is refused by the "
     "default policy" DEFAULT("web", "host_namespaces: [network]")},
    {"    network_mode: service:hostnet\n  hostnet:\n    image: busybox\n"
     "    network_mode: host\n",
     "m/shop.yaml:4:5: services.web.network_mode: the host's network namespace, through a "
     "service on the host network is refused by the default policy" DEFAULT(
         "web", "host_namespaces: [network]") "m/shop.yaml:7:5: services.hostnet.network_mode: "
                                              "the host's network namespace (network_mode: "
                                              "host) is refused by the default "
                                              "policy" DEFAULT("hostnet",
                                                               "host_namespaces: [network]")},
    {"    security_opt: [seccomp=unconfined]\n",
     "m/shop.yaml:4:20: services.web.security_opt[0]: security_opt 'seccomp=unconfined' (it "
     "turns seccomp filtering off) is refused by the default policy" DEFAULT(
         "web", "security_opt: ['seccomp=unconfined']")},
    {"    security_opt: [\"seccomp:/etc/mine.json\"]\n",
     "m/shop.yaml:4:20: services.web.security_opt[0]: security_opt 'seccomp:/etc/mine.json' (it "
     "replaces Docker's seccomp profile, which may then allow any system call) is refused by "
     "the default policy" DEFAULT("web", "security_opt: ['seccomp:/etc/mine.json']")},
    {"    security_opt: [\"apparmor:unconfined\"]\n",
     "m/shop.yaml:4:20: services.web.security_opt[0]: security_opt 'apparmor:unconfined' (it "
     "turns AppArmor confinement off) is refused by the default policy" DEFAULT(
         "web", "security_opt: ['apparmor:unconfined']")},
    {"    security_opt: [\"label:disable\"]\n",
     "m/shop.yaml:4:20: services.web.security_opt[0]: security_opt 'label:disable' (it turns "
     "SELinux confinement off) is refused by the default policy" DEFAULT(
         "web", "security_opt: ['label:disable']")},
    {"    security_opt: [\"label=type:spc_t\"]\n",
     "m/shop.yaml:4:20: services.web.security_opt[0]: security_opt 'label=type:spc_t' (it runs "
     "the container as SELinux's super-privileged type) is refused by the default "
     "policy" DEFAULT("web", "security_opt: ['label=type:spc_t']")},
    {"    security_opt: [systempaths=unconfined]\n",
     "m/shop.yaml:4:20: services.web.security_opt[0]: security_opt 'systempaths=unconfined' (it "
     "unmasks the /proc and /sys paths Docker hides) is refused by the default policy" DEFAULT(
         "web", "security_opt: ['systempaths=unconfined']")},
    {"    volumes: [\"/:/host:ro\"]\n",
     "m/shop.yaml:4:15: services.web.volumes[0]: bind mount of / (the host's root file system) "
     "is refused by the default policy" DEFAULT("web", "bind_mounts: [/]")},
    {"    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /var/run/docker.sock (the Docker "
     "engine's socket) is refused by the default policy" DEFAULT(
         "web", "bind_mounts: [/var/run/docker.sock]")},
    {"    volumes:\n      - /run/docker.sock:/var/run/docker.sock:ro\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /run/docker.sock (the Docker "
     "engine's socket) is refused by the default policy" DEFAULT(
         "web", "bind_mounts: [/run/docker.sock]")},
    /* ".." and a trailing '/' are cleaned before the check */
    {"    volumes:\n      - /srv/app/../../etc/:/e\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /etc (the host's configuration) is "
     "refused by the default policy" DEFAULT("web", "bind_mounts: [/etc]")},
    {"    volumes:\n      - /etc/cron.d:/cron\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /etc/cron.d (below /etc, the "
     "host's configuration) is refused by the default policy" DEFAULT(
         "web", "bind_mounts: [/etc/cron.d]")},
    /* a parent of a system path holds it */
    {"    volumes:\n      - /var/lib:/lib\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /var/lib (it holds "
     "/var/lib/docker, the Docker engine's data) is refused by the default policy" DEFAULT(
         "web", "bind_mounts: [/var/lib]")},
    {"    volumes:\n      - /proc:/host/proc:ro\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /proc (the host's processes and "
     "kernel settings) is refused by the default policy" DEFAULT("web", "bind_mounts: [/proc]")},
    {"    volumes:\n      - /sys/fs/cgroup:/cg:ro\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /sys/fs/cgroup (below /sys, the "
     "host's kernel and devices) is refused by the default policy" DEFAULT(
         "web", "bind_mounts: [/sys/fs/cgroup]")},
    {"    volumes:\n      - /dev/fuse:/dev/fuse\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /dev/fuse (below /dev, the host's "
     "devices) is refused by the default policy" DEFAULT("web", "bind_mounts: [/dev/fuse]")},
    /* the time zone read-only is harmless; written, it is /etc */
    {"    volumes:\n      - /etc/localtime:/etc/localtime\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /etc/localtime (below /etc, the "
     "host's configuration) is refused by the default policy" DEFAULT(
         "web", "bind_mounts: [/etc/localtime]")},
    /* long syntax: the position of the item */
    {"    volumes:\n      - type: bind\n        source: /root/.ssh\n        target: /ssh\n"
     "        read_only: true\n",
     "m/shop.yaml:5:9: services.web.volumes[0]: bind mount of /root/.ssh (below /root, root's "
     "home) is refused by the default policy" DEFAULT("web", "bind_mounts: [/root/.ssh]")},
    /* a local volume that binds a host path is that bind */
    {"    volumes: [\"conf:/conf\"]\nvolumes:\n  conf:\n    driver_opts: {type: none, o: bind, "
     "device: /etc}\n",
     "m/shop.yaml:4:15: services.web.volumes[0]: volume 'conf' binding /etc (the host's "
     "configuration) is refused by the default policy" DEFAULT("web", "bind_mounts: [/etc]")},
    {"    volumes: [\"conf:/conf\"]\nvolumes:\n  conf:\n    driver_opts: {o: \"ro,rbind\", "
     "device: /boot/}\n",
     "m/shop.yaml:4:15: services.web.volumes[0]: volume 'conf' binding /boot (the host's kernel "
     "and boot loader) is refused by the default policy" DEFAULT("web", "bind_mounts: [/boot]")},
    {"    volumes: [\"conf:/conf\"]\nvolumes:\n  conf:\n    driver_opts: {o: bind, device: etc}\n",
     "m/shop.yaml:4:15: services.web.volumes[0]: volume 'conf' binds 'etc' (driver_opts device), "
     "which is not an absolute path\n"},
    /* host namespaces other than the network's, and devices */
    {"    pid: host\n",
     "m/shop.yaml:4:5: services.web.pid: the host's PID namespace (pid: host; the container sees "
     "and can signal every process of the host) is refused by the default policy" DEFAULT(
         "web", "host_namespaces: [pid]")},
    {"    ipc: host\n",
     "m/shop.yaml:4:5: services.web.ipc: the host's IPC namespace (ipc: host; the container "
     "shares the host's shared memory, semaphores and message queues) is refused by the default "
     "policy" DEFAULT("web", "host_namespaces: [ipc]")},
    {"    userns_mode: host\n",
     "m/shop.yaml:4:5: services.web.userns_mode: the host's user namespace (userns_mode: host; "
     "the engine's user namespace remapping is off for the container) is refused by the default "
     "policy" DEFAULT("web", "host_namespaces: [userns]")},
    {"    devices: [/dev/fuse]\n",
     "m/shop.yaml:4:15: services.web.devices[0]: the host's device /dev/fuse (read, write and "
     "mknod access) is refused by the default policy" DEFAULT("web", "devices: [/dev/fuse]")},
    /* harmless-looking ones too: what a device node gives is the device's to say */
    {"    devices:\n      - /dev/null:/dev/berthnull:r\n",
     "m/shop.yaml:5:9: services.web.devices[0]: the host's device /dev/null (read access) is "
     "refused by the default policy" DEFAULT("web", "devices: [/dev/null]")},
    /* HOST:PERMISSIONS; the host path cleaned */
    {"    devices:\n      - /dev/./dri/../sda:mw\n",
     "m/shop.yaml:5:9: services.web.devices[0]: the host's device /dev/sda (write and mknod "
     "access) is refused by the default policy" DEFAULT("web", "devices: [/dev/sda]")},
};

START_TEST(default_policy_refuses)
{
        here();
        expect_web(refused[_i].keys, NULL, refused[_i].want);
}
END_TEST

/* What stays allowed without a policy. */
START_TEST(default_policy_allows)
{
        here();
        expect_web("    cap_add: [CHOWN, cap_kill, NET_BIND_SERVICE, AUDIT_WRITE]\n"
                   "    cap_drop: [ALL]\n"
                   "    network_mode: none\n"
                   "    security_opt: [\"no-new-privileges:true\", apparmor=docker-default, "
                   "\"label=level:s0:c100,c200\"]\n"
                   "    volumes:\n"
                   "      - /etc/localtime:/etc/localtime:ro\n"
                   "      - /etc/timezone:/etc/timezone:ro\n"
                   "      - /usr/share/zoneinfo:/usr/share/zoneinfo:ro\n"
                   "      - /etc/ssl/certs:/etc/ssl/certs:ro\n"
                   "      - /srv/data:/data\n"
                   "      - /var/lib/app:/app\n"
                   "      - ./config:/config\n"
                   "      - cache:/cache\n"
                   "      - nfs:/nfs\n"
                   "    tmpfs: [/run]\n"
                   "volumes:\n"
                   "  cache:\n"
                   "  nfs:\n"
                   "    driver_opts: {type: nfs, o: \"addr=10.0.0.1,rw\", device: \":/export\"}\n",
                   NULL, "");
        expect_web("    network_mode: service:side\n  side:\n    image: busybox\n", NULL, "");
        /* an IPC namespace of the container's own, shareable or not */
        expect_web("    ipc: shareable\n", NULL, "");
        expect_web("    ipc: private\n", NULL, "");
        expect_web("    ipc: none\n", NULL, "");
        expect_web("    devices: []\n", NULL, "");
}
END_TEST

/* A bind through a symlink is a bind of what it points to (when the path
 * exists here). */
START_TEST(symlinked_bind_source)
{
        char cwd[PATH_MAX], *want;

        here();
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
        ck_assert_int_eq(symlink("/etc", "hostetc"), 0); /* beside m/: scan would refuse it */
        want = bt_fmt("m/shop.yaml:5:9: services.web.volumes[0]: bind mount of %s/hostetc, a "
                      "symlink to /etc (the host's configuration) is refused by the default "
                      "policy" DEFAULT("web", "bind_mounts: [/etc]"),
                      cwd);
        expect_web("    volumes:\n      - ../hostetc:/e:ro\n", NULL, want);
        free(want);
}
END_TEST

/* A bind inside the manifest root's directory is the operator's own tree,
 * also when the root is below a system path (/root/deploy/manifests;
 * here /dev/shm, below /dev); outside it, or through a link out of it, the
 * system path counts again. */
START_TEST(binds_inside_the_manifest_tree)
{
        char dir[] = "/dev/shm/berth-test-XXXXXX", *want, *more;

        ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
        ck_assert_int_eq(chdir(dir), 0);
        ck_assert_int_eq(mkdir("m", 0755), 0);
        ck_assert_int_eq(mkdir("m/config", 0755), 0);
        ck_assert_int_eq(symlink("/etc", "m/config/etc"), 0);
        /* the link itself is refused by the scan as well */
        want = bt_fmt("m/config/etc: symlink leads outside the manifest root (to '/etc'); berth "
                      "reads only files inside the root: move what it points to into the root, "
                      "or remove the link\n"
                      "m/shop.yaml:6:9: services.web.volumes[1]: bind mount of %s/outside (below "
                      "/dev, the host's devices) is refused by the default "
                      "policy" DEFAULT("web", "bind_mounts: [%s/outside]"),
                      dir, dir);
        more = bt_fmt("%sm/shop.yaml:7:9: services.web.volumes[2]: bind mount of %s/m/config/etc, "
                      "a symlink to /etc (the host's configuration) is refused by the default "
                      "policy" DEFAULT("web", "bind_mounts: [/etc]"),
                      want, dir);
        free(want);
        want = more;
        expect_web("    volumes:\n"
                   "      - ./config:/config\n"
                   "      - ../outside:/o\n"
                   "      - ./config/etc:/e\n",
                   NULL, want);
        free(want);
        ck_assert_int_eq(unlink("m/config/etc"), 0);
        ck_assert_int_eq(unlink("m/shop.yaml"), 0);
        ck_assert_int_eq(rmdir("m/config"), 0);
        ck_assert_int_eq(rmdir("m"), 0);
        ck_assert_int_eq(chdir("/"), 0);
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* ---- a policy file allows ------------------------------------------------ */

static const char powers[] = "    privileged: true\n"
                             "    cap_add: [SYS_ADMIN, NET_ADMIN]\n"
                             "    network_mode: host\n"
                             "    security_opt: [apparmor=unconfined]\n"
                             "    volumes: [\"/var/run/docker.sock:/s\", \"/proc/sys:/ps:ro\"]\n";

START_TEST(policy_allows_per_project_and_service)
{
        struct policy *p;

        here();
        p = policy_from("allow:\n"
                        "  - project: shop\n"
                        "    service: web\n"
                        "    privileged: true\n"
                        "    capabilities: [cap_sys_admin, NET_ADMIN]\n"
                        "    host_namespaces: [network]\n"
                        "    security_opt: [\"apparmor=*\"]\n"
                        "    bind_mounts: [/var/run/docker.sock, /proc]\n");
        expect_web(powers, p, "");
        /* the same keys in another service of the project: refused */
        expect_file("services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n"
                    "    privileged: true\n",
                    p,
                    "m/shop.yaml:6:5: services.db.privileged: privileged mode (every power of the "
                    "host's root) is refused by the policy policy.yaml: to allow it, add "
                    "\"privileged: true\" to an allow entry there for project 'shop', service "
                    "'db'\n");
        policy_free(p);

        /* a project entry without service: every service; a glob project */
        p = policy_from("allow:\n"
                        "  - project: \"sh*\"\n"
                        "    privileged: true\n"
                        "    capabilities: [ALL]\n"
                        "    host_namespaces: [network]\n"
                        "    security_opt: [\"*\"]\n"
                        "    bind_mounts: [/]\n");
        expect_web(powers, p, "");
        expect_file("name: blog\nservices:\n  web:\n    image: busybox\n    privileged: true\n", p,
                    "m/shop.yaml:5:5: services.web.privileged: privileged mode (every power of the "
                    "host's root) is refused by the policy policy.yaml: to allow it, add "
                    "\"privileged: true\" to an allow entry there for project 'blog', service "
                    "'web'\n");
        policy_free(p);
}
END_TEST

/* An allowed path allows what is below it, not its parent; a capability
 * allows only itself. */
START_TEST(policy_allows_exactly)
{
        struct policy *p;

        here();
        p = policy_from("allow:\n"
                        "  - project: shop\n"
                        "    capabilities: [NET_ADMIN]\n"
                        "    bind_mounts: [/proc/sys/]\n"
                        "    security_opt: [seccomp=unconfined]\n");
        expect_web("    cap_add: [NET_ADMIN, SYS_ADMIN]\n"
                   "    security_opt: [\"seccomp:unconfined\"]\n"
                   "    volumes: [\"/proc/sys/net:/n\", \"/proc:/p\"]\n",
                   p,
                   "m/shop.yaml:4:26: services.web.cap_add[1]: capability SYS_ADMIN (not in "
                   "Docker's default set) is refused by the policy policy.yaml: to allow it, add "
                   "\"capabilities: [SYS_ADMIN]\" to an allow entry there for project 'shop', "
                   "service 'web'\n"
                   "m/shop.yaml:5:20: services.web.security_opt[0]: security_opt "
                   "'seccomp:unconfined' (it turns seccomp filtering off) is refused by the policy "
                   "policy.yaml: to allow it, add \"security_opt: ['seccomp:unconfined']\" to an "
                   "allow entry there for project 'shop', service 'web'\n"
                   "m/shop.yaml:6:35: services.web.volumes[1]: bind mount of /proc (the host's "
                   "processes and kernel settings) is refused by the policy policy.yaml: to allow "
                   "it, add \"bind_mounts: [/proc]\" to an allow entry there for project 'shop', "
                   "service 'web'\n");
        policy_free(p);
}
END_TEST

/* host_namespaces allows the namespaces it names, each on its own;
 * devices allows the host paths (or globs, '*' within one name) it names
 * and what is below them. */
START_TEST(policy_allows_namespaces_and_devices)
{
        struct policy *p;

        here();
        p = policy_from("allow:\n"
                        "  - project: shop\n"
                        "    service: web\n"
                        "    host_namespaces: [pid, ipc, userns]\n"
                        "    devices: [/dev/fuse, \"/dev/dri/card*\", /dev/snd/]\n");
        expect_web("    pid: host\n"
                   "    ipc: host\n"
                   "    userns_mode: host\n"
                   "    devices:\n"
                   "      - /dev/fuse\n"
                   "      - /dev/dri/card0:/dev/dri/card0:rw\n"
                   "      - /dev/dri/card1/x:/x\n"
                   "      - /dev/snd\n"
                   "      - /dev/snd/controlC0:rw\n",
                   p, "");
        /* the network's is not among them; a glob stops at '/'; a path
         * allows nothing above it or beside it */
        expect_web(
            "    network_mode: host\n"
            "    devices:\n"
            "      - /dev/dri/renderD128\n"
            "      - /dev/dri\n"
            "      - /dev/fuse2\n"
            "      - /dev/sda\n",
            p,
            "m/shop.yaml:4:5: services.web.network_mode: the host's network namespace "
            "(network_mode: host) is refused by the policy policy.yaml: to allow it, add "
            "\"host_namespaces: [network]\" to an allow entry there for project 'shop', "
            "service 'web'\n"
            "m/shop.yaml:6:9: services.web.devices[0]: the host's device /dev/dri/renderD128 "
            "(read, write and mknod access) is refused by the policy policy.yaml: to allow "
            "it, add \"devices: [/dev/dri/renderD128]\" to an allow entry there for project "
            "'shop', service 'web'\n"
            "m/shop.yaml:7:9: services.web.devices[1]: the host's device /dev/dri (read, "
            "write and mknod access) is refused by the policy policy.yaml: to allow it, add "
            "\"devices: [/dev/dri]\" to an allow entry there for project 'shop', service "
            "'web'\n"
            "m/shop.yaml:8:9: services.web.devices[2]: the host's device /dev/fuse2 (read, "
            "write and mknod access) is refused by the policy policy.yaml: to allow it, add "
            "\"devices: [/dev/fuse2]\" to an allow entry there for project 'shop', service "
            "'web'\n"
            "m/shop.yaml:9:9: services.web.devices[3]: the host's device /dev/sda (read, "
            "write and mknod access) is refused by the policy policy.yaml: to allow it, add "
            "\"devices: [/dev/sda]\" to an allow entry there for project 'shop', service "
            "'web'\n");
        /* another service of the project: nothing allowed */
        expect_file(
            "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n"
            "    ipc: host\n",
            p,
            "m/shop.yaml:6:5: services.db.ipc: the host's IPC namespace (ipc: host; the "
            "container shares the host's shared memory, semaphores and message queues) is "
            "refused by the policy policy.yaml: to allow it, add \"host_namespaces: [ipc]\" "
            "to an allow entry there for project 'shop', service 'db'\n");
        policy_free(p);

        /* one namespace allowed, the others not */
        p = policy_from("allow:\n  - project: \"*\"\n    host_namespaces: [ipc]\n"
                        "    devices: [/]\n");
        expect_web("    pid: host\n    ipc: host\n    devices: [/dev/sda]\n", p,
                   "m/shop.yaml:4:5: services.web.pid: the host's PID namespace (pid: host; the "
                   "container sees and can signal every process of the host) is refused by the "
                   "policy policy.yaml: to allow it, add \"host_namespaces: [pid]\" to an allow "
                   "entry there for project 'shop', service 'web'\n");
        policy_free(p);
}
END_TEST

START_TEST(bind_roots)
{
        struct policy *p;

        here();
        p = policy_from("allow:\n"
                        "  - project: shop\n"
                        "    bind_mounts: [/opt/shared]\n"
                        "bind_roots: [/srv, /var/lib/apps/]\n");
        expect_web("    volumes:\n"
                   "      - /srv:/srv\n"
                   "      - /srv/shop/data:/data\n"
                   "      - /var/lib/apps/shop:/apps\n"
                   "      - /opt/shared/x:/x\n"
                   "      - /srvx:/y\n"
                   "      - /etc/localtime:/etc/localtime:ro\n",
                   p,
                   "m/shop.yaml:9:9: services.web.volumes[4]: bind mount of /srvx is outside the "
                   "bind roots of the policy policy.yaml (/srv, /var/lib/apps): bind a path below "
                   "one of them, or add \"bind_mounts: [/srvx]\" to an allow entry there for "
                   "project 'shop', service 'web'\n"
                   "m/shop.yaml:10:9: services.web.volumes[5]: bind mount of /etc/localtime is "
                   "outside the bind roots of the policy policy.yaml (/srv, /var/lib/apps): bind "
                   "a path below one of them, or add \"bind_mounts: [/etc/localtime]\" to an allow "
                   "entry there for project 'shop', service 'web'\n");
        policy_free(p);

        /* a root does not make a system path below it bindable */
        p = policy_from("bind_roots: [/]\n");
        expect_web("    volumes: [\"/etc:/e\", \"/home/ann:/h\"]\n", p,
                   "m/shop.yaml:4:15: services.web.volumes[0]: bind mount of /etc (the host's "
                   "configuration) is refused by the policy policy.yaml: to allow it, add "
                   "\"bind_mounts: [/etc]\" to an allow entry there for project 'shop', service "
                   "'web'\n");
        policy_free(p);
}
END_TEST

START_TEST(images)
{
        static const char *const ok[] = {
            "registry.example.com/team/app:1.2",
            "registry.example.com/team/app@sha256:0123",
            "busybox",
            "docker.io/library/busybox:1.36",
            "index.docker.io/library/busybox",
            "berth-test/busybox:latest",
            "localhost:5000/x",
        };
        static const char *const refused_images[] = {"registry.example.com.evil.io/team/app:1",
                                                     "nginx:1.25", "evil.io/berth-test/x",
                                                     "localhost:5001/x"};
        struct policy *p;
        size_t i;

        here();
        p = policy_from("images:\n"
                        "  - \"registry.example.com/*\"\n"
                        "  - docker.io/library/busybox\n"
                        "  - \"berth-test/*\"\n"
                        "  - \"localhost:5000/*\"\n");
        for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                ck_assert_msg(policy_image_ok(p, ok[i]), "%s refused", ok[i]);
        for (i = 0; i < sizeof(refused_images) / sizeof(refused_images[0]); i++)
                ck_assert_msg(!policy_image_ok(p, refused_images[i]), "%s allowed",
                              refused_images[i]);
        expect_file("services:\n  web:\n    image: nginx:1.25\n", p,
                    "m/shop.yaml:3:5: services.web.image: image 'nginx:1.25' matches none of the "
                    "images the policy policy.yaml allows (registry.example.com/*, "
                    "docker.io/library/busybox, berth-test/*, localhost:5000/*): use an image from "
                    "there, or add a pattern for it to images\n");
        policy_free(p);
        /* no images: key, or no policy: every image */
        ck_assert(policy_image_ok(NULL, "evil.io/x"));
}
END_TEST

/* The pure decisions, on their own. */
START_TEST(decisions)
{
        char buf[64];
        const char *which, *what;

        ck_assert_str_eq(policy_path_clean(strcpy(buf, "//a/./b/../c/")), "/a/c");
        ck_assert_str_eq(policy_path_clean(strcpy(buf, "/../..")), "/");
        ck_assert_str_eq(policy_path_clean(strcpy(buf, "/")), "/");
        ck_assert(policy_path_within("/a/b", "/a"));
        ck_assert(!policy_path_within("/ab", "/a"));
        ck_assert(policy_path_within("/x", "/"));
        ck_assert_str_eq(policy_cap_name(buf, sizeof(buf), "cap_sys_admin"), "SYS_ADMIN");
        ck_assert(policy_cap_is_default("NET_RAW"));
        ck_assert(!policy_cap_is_default("NET_ADMIN"));
        ck_assert(policy_cap_is_known("CHECKPOINT_RESTORE"));
        ck_assert(!policy_cap_is_known("CAP_CHOWN")); /* names are without the prefix */
        ck_assert(policy_security_opt_unconfining("seccomp=unconfined") != NULL);
        ck_assert(policy_security_opt_unconfining("no-new-privileges") == NULL);
        ck_assert(policy_security_opt_unconfining("apparmor=my-profile") == NULL);
        ck_assert(policy_system_path("/", false, &which, &what));
        ck_assert(!policy_system_path("/srv", false, &which, &what));
        ck_assert(!policy_system_path("/home/ann", false, &which, &what));
        ck_assert(policy_system_path("/run", false, &which, &what));
        ck_assert_str_eq(which, "/run/docker.sock");
        ck_assert(policy_system_path("/var/run/containerd/x", false, &which, &what));
        ck_assert_str_eq(which, "/var/run/containerd");
        ck_assert(!policy_system_path("/etc/ssl/certs/ca.pem", true, &which, &what));
        ck_assert(policy_system_path("/etc/ssl/certs/ca.pem", false, &which, &what));
        ck_assert(!policy_allows(NULL, "a", "b", POLICY_PRIVILEGED, ""));
}
END_TEST

/* A refused file is frozen like any invalid one: its project is failed
 * (named), the others load. */
START_TEST(refused_file_is_frozen)
{
        struct manifest_set set;
        char *text;

        here();
        bt_write_file("m", "shop.yaml",
                      "services:\n  web:\n    image: busybox\n"
                      "    privileged: true\n");
        bt_write_file("m", "blog.yaml", "services:\n  web:\n    image: busybox\n");
        text = load_with(NULL, &set);
        ck_assert_msg(strstr(text, "m/shop.yaml:4:5: services.web.privileged: ") == text, "%s",
                      text);
        ck_assert_uint_eq(set.nfailed, 1);
        ck_assert_str_eq(set.failed[0].project, "shop");
        ck_assert_str_eq(set.failed[0].rel, "shop.yaml");
        ck_assert_uint_eq(set.state->nprojects, 1);
        ck_assert_str_eq(set.state->projects[0].name, "blog");
        ck_assert(set.complete);
        free(text);
        manifest_set_release(&set);
}
END_TEST

/* ---- bad policy files ----------------------------------------------------- */

static const struct {
        const char *text, *want;
} bad_policies[] = {
    {"- project: shop\n",
     "policy.yaml:1:1: expected a mapping with allow, bind_roots and images, got a list\n"},
    {"allow: []\nbind_root: [/srv]\n",
     "policy.yaml:2:1: bind_root: unknown key 'bind_root' (a policy has allow, bind_roots and "
     "images)\n"},
    {"allow:\n  project: shop\n",
     "policy.yaml:2:3: allow: expected a list of allow entries, got a mapping\n"},
    {"allow:\n  - shop\n",
     "policy.yaml:2:5: allow[0]: expected a mapping (project, service and what to allow), got "
     "the string \"shop\"\n"},
    {"allow:\n  - project: shop\n    privilege: true\n",
     "policy.yaml:3:5: allow[0].privilege: unknown key 'privilege' (an allow entry has project, "
     "service, privileged, capabilities, host_namespaces, bind_mounts, devices or security_opt)\n"},
    {"allow:\n  - service: web\n    privileged: true\n",
     "policy.yaml:2:5: allow[0]: an allow entry needs a project: its name, or a glob such as "
     "\"team-*\" or \"*\"\n"},
    {"allow:\n  - project: \"\"\n",
     "policy.yaml:2:14: allow[0].project: expected a string, got an empty one\n"},
    {"allow:\n  - project: 7\n",
     "policy.yaml:2:14: allow[0].project: expected a string, got the integer 7\n"},
    {"allow:\n  - project: shop\n    privileged: yes\n",
     "policy.yaml:3:17: allow[0].privileged: expected true or false, got the string \"yes\"\n"},
    {"allow:\n  - project: shop\n    capabilities: SYS_ADMIN\n",
     "policy.yaml:3:19: allow[0].capabilities: expected a list, got the string \"SYS_ADMIN\"\n"},
    {"allow:\n  - project: shop\n    capabilities: [SYS_ADMIN, SYS_ADMN]\n",
     "policy.yaml:3:31: allow[0].capabilities[1]: 'SYS_ADMN' is not a Linux capability (see "
     "capabilities(7); ALL allows every one)\n"},
    {"allow:\n  - project: shop\n    host_namespaces: [network, pid, uts]\n",
     "policy.yaml:3:37: allow[0].host_namespaces[2]: 'uts' is not a namespace berth can share: "
     "write network, pid, ipc or userns\n"},
    {"allow:\n  - project: shop\n    host_namespaces: [user]\n",
     "policy.yaml:3:23: allow[0].host_namespaces[0]: 'user' is not a namespace berth can share: "
     "write network, pid, ipc or userns\n"},
    {"allow:\n  - project: shop\n    devices: [/dev/fuse, dev/dri]\n",
     "policy.yaml:3:26: allow[0].devices[1]: 'dev/dri' is not an absolute path: write it from "
     "'/'\n"},
    {"allow:\n  - project: shop\n    devices: /dev/fuse\n",
     "policy.yaml:3:14: allow[0].devices: expected a list, got the string \"/dev/fuse\"\n"},
    {"allow:\n  - project: shop\n    bind_mounts: [proc]\n",
     "policy.yaml:3:19: allow[0].bind_mounts[0]: 'proc' is not an absolute path: write it from "
     "'/'\n"},
    {"bind_roots: []\n",
     "policy.yaml:1:13: bind_roots: an empty list allows no bind mount at all: list the "
     "directories bind mounts may come from, or remove the key\n"},
    {"images: []\n", "policy.yaml:1:9: images: an empty list allows no image at all: list "
                     "patterns such as \"registry.example.com/*\", or remove the key\n"},
    {"images: [[a]]\n", "policy.yaml:1:10: images[0]: expected a string, got a list\n"},
    {"allow: []\nallow: []\n", "policy.yaml:2:1: duplicate key 'allow' (first at line 1)\n"},
    {"allow: [\n", "policy.yaml:2:1: invalid YAML: did not find expected node content\n"},
};

static char *policy_problems(const char *text, int *rc)
{
        struct diag_list diags;
        struct berth_err err;
        struct policy *p = (struct policy *)1;
        char *all;

        bt_write_file(".", "policy.yaml", text);
        diag_list_init(&diags);
        berth_err_clear(&err);
        *rc = policy_load(&p, "policy.yaml", 0, &diags, &err);
        if (*rc == 0)
                policy_free(p);
        else
                ck_assert_ptr_null(p);
        all = diag_list_format(&diags);
        diag_list_release(&diags);
        return all;
}

START_TEST(bad_policy_file)
{
        char *got;
        int rc;

        here();
        got = policy_problems(bad_policies[_i].text, &rc);
        ck_assert_int_eq(rc, BERTH_EINVALID);
        ck_assert_msg(!strcmp(got, bad_policies[_i].want), "policy:\n%s\ngot:\n%s\nwant:\n%s",
                      bad_policies[_i].text, got, bad_policies[_i].want);
        free(got);
}
END_TEST

START_TEST(policy_file_missing_empty_or_not_a_file)
{
        struct diag_list diags;
        struct berth_err err;
        struct policy *p;
        char *got;
        int rc;

        here();
        diag_list_init(&diags);
        ck_assert_int_eq(policy_load(&p, "nope.yaml", 0, &diags, &err), BERTH_ENOTFOUND);
        ck_assert_str_eq(err.msg, "policy file 'nope.yaml' does not exist");
        ck_assert_int_eq(policy_load(&p, "m", 0, &diags, &err), BERTH_EIO);
        ck_assert_str_eq(err.msg, "policy file 'm' is not a regular file");
        ck_assert_uint_eq(diags.n, 0);
        diag_list_release(&diags);

        /* empty: the default policy, with a warning */
        got = policy_problems("# nothing yet\n", &rc);
        ck_assert_int_eq(rc, 0);
        ck_assert_str_eq(got, "policy.yaml: warning: empty policy file: nothing is allowed (the "
                              "default policy)\n");
        free(got);
}
END_TEST

START_TEST(policy_file_trust)
{
        struct diag_list diags;
        struct berth_err err;
        struct policy *p;
        char cwd[PATH_MAX], *want;

        ck_assert_msg(geteuid() == 0, "run as root (tests/run does): the test chowns files");
        here();
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
        diag_list_init(&diags);
        bt_write_file(".", "policy.yaml", "allow: []\n");

        ck_assert_int_eq(chmod("policy.yaml", 0666), 0);
        ck_assert_int_eq(policy_load(&p, "policy.yaml", 0, &diags, &err), BERTH_EFORBIDDEN);
        ck_assert_str_eq(err.msg, "policy file 'policy.yaml' is writable by every user (mode "
                                  "0666), so anyone can change what berth runs: run 'chmod go-w "
                                  "policy.yaml' (or pass --insecure-manifests to accept it with "
                                  "a warning)");
        ck_assert_ptr_null(p);
        ck_assert_int_eq(policy_load(&p, "policy.yaml", POLICY_LOAD_INSECURE, &diags, &err), 0);
        policy_free(p);
        ck_assert_uint_eq(diags.n, 1);
        ck_assert_str_eq(diags.v[0].message,
                         "policy file 'policy.yaml' is writable by every user (mode 0666), so "
                         "anyone can change what berth runs: run 'chmod go-w policy.yaml' "
                         "(accepted because of --insecure-manifests)");
        ck_assert_int_eq(chmod("policy.yaml", 0644), 0);

        ck_assert_int_eq(chown("policy.yaml", 65534, 65534), 0);
        ck_assert_int_eq(policy_load(&p, "policy.yaml", 0, &diags, &err), BERTH_EFORBIDDEN);
        ck_assert_str_eq(err.msg, "policy file 'policy.yaml' is owned by user 'nobody' (uid "
                                  "65534), not by root, so that user can change what berth runs: "
                                  "run 'chown root policy.yaml' (or pass --insecure-manifests to "
                                  "accept it with a warning)");
        ck_assert_int_eq(chown("policy.yaml", 0, 0), 0);

        /* the directory holding it: anyone could replace the file */
        ck_assert_int_eq(chmod(".", 0777), 0);
        ck_assert_int_eq(policy_load(&p, "policy.yaml", 0, &diags, &err), BERTH_EFORBIDDEN);
        want = bt_fmt("directory '%s' (above the policy file 'policy.yaml') is writable by every "
                      "user (mode 0777), so anyone can change what berth runs: run 'chmod go-w "
                      "%s' (or pass --insecure-manifests to accept it with a warning)",
                      cwd, cwd);
        ck_assert_str_eq(err.msg, want);
        free(want);
        /* unless it is sticky and root's, as /tmp is */
        ck_assert_int_eq(chmod(".", 01777), 0);
        ck_assert_int_eq(policy_load(&p, "policy.yaml", 0, &diags, &err), 0);
        policy_free(p);
        ck_assert_int_eq(chmod(".", 0700), 0);
        diag_list_release(&diags);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("policy");
        TCase *tc = tcase_create("policy");

        tcase_add_loop_test(tc, default_policy_refuses, 0, sizeof(refused) / sizeof(refused[0]));
        tcase_add_test(tc, default_policy_allows);
        tcase_add_test(tc, symlinked_bind_source);
        tcase_add_test(tc, binds_inside_the_manifest_tree);
        tcase_add_test(tc, policy_allows_per_project_and_service);
        tcase_add_test(tc, policy_allows_exactly);
        tcase_add_test(tc, policy_allows_namespaces_and_devices);
        tcase_add_test(tc, bind_roots);
        tcase_add_test(tc, images);
        tcase_add_test(tc, decisions);
        tcase_add_test(tc, refused_file_is_frozen);
        tcase_add_loop_test(tc, bad_policy_file, 0, sizeof(bad_policies) / sizeof(bad_policies[0]));
        tcase_add_test(tc, policy_file_missing_empty_or_not_a_file);
        tcase_add_test(tc, policy_file_trust);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(suite());
}
