/* docker/image.h - image references and the engine's images API.
 *
 * Owns: parsing image references by docker's rules, pull (with registry
 * credentials and progress), inspect, list, tag, remove, load.
 *
 * Errors are the transport's (docker/client.h) with op/object set, plus:
 * pull and load read the whole JSON stream and report an {"error": ...}
 * object in a 200 answer as a failure; pull failures about credentials are
 * BERTH_EAUTH and missing repositories or tags BERTH_ENOTFOUND, whether the
 * engine said so with a status or inside the stream.
 *
 * May not use: manifest, model, diff, plan, exec, watch.
 */
#ifndef BERTH_DOCKER_IMAGE_H
#define BERTH_DOCKER_IMAGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/err.h"
#include "docker/auth.h"
#include "docker/client.h"

/* ---- references ---- */

/* An image reference split as docker splits it.  Fixed storage: nothing
 * to free.  "busybox" -> domain "docker.io", path "library/busybox", tag
 * "latest"; "127.0.0.1:5000/team/app@sha256:<64 hex>" -> domain
 * "127.0.0.1:5000", path "team/app", tag "", digest "sha256:...". */
struct docker_image_ref {
        char domain[256]; /* registry host[:port]; "docker.io" by default */
        char path[272];   /* repository path inside the registry */
        char tag[129];    /* "" only when a digest is given without a tag */
        char digest[160]; /* "algorithm:hex", or "" */
};

/* Parse s.  The first component is a registry when it contains '.' or ':'
 * or is "localhost"; otherwise the registry is docker.io and a single
 * name gets "library/".  Without tag and digest the tag is "latest".
 * Invalid references (upper case in the repository, bad characters, a
 * 64-hex repository name, bad tag or digest, name over 255 characters)
 * give BERTH_EINVALID "invalid image reference '<s>': <why>". */
int docker_image_ref_parse(struct docker_image_ref *out, const char *s, struct berth_err *err);

/* The repository as the engine and the CLI print it: "busybox",
 * "team/app", "127.0.0.1:5000/team/app" (docker.io/ and library/
 * dropped).  Returns buf. */
const char *docker_image_ref_repo(const struct docker_image_ref *ref, char *buf, size_t size);

/* Repository plus ":tag" and/or "@digest": "busybox:latest". */
const char *docker_image_ref_format(const struct docker_image_ref *ref, char *buf, size_t size);

/* ---- pull ---- */

/* One progress message of a pull.  Everything is borrowed for the call. */
struct docker_pull_progress {
        const char *status;   /* "Pulling fs layer", "Downloading", "Digest: ...", ... */
        const char *id;       /* layer id or tag, or NULL */
        const char *progress; /* the engine's progress bar text, or NULL */
        long long current;    /* bytes so far, -1 when not given */
        long long total;      /* bytes in all, -1 when not given */
        const json_t *raw;    /* the whole message */
};
/* How long a pull may send nothing before it counts as hung. */
#define DOCKER_PULL_IDLE_MS DOCKER_DEFAULT_TIMEOUT_MS

/* Return non-zero to stop the pull (it then fails with BERTH_ECANCELLED). */
typedef int (*docker_pull_fn)(const struct docker_pull_progress *p, void *userdata);

enum docker_pull_msg {
        DOCKER_PULL_MSG_PROGRESS,    /* a progress message */
        DOCKER_PULL_MSG_ERROR,       /* {"error": ...}: the pull failed */
        DOCKER_PULL_MSG_STATUS_BODY, /* {"message": ...}: the body of an error answer */
};

/* One object of the pull stream, as docker_image_pull() reads it (pure;
 * for it and for fuzzing).  For ERROR and STATUS_BODY the message is
 * copied to text[0..size) (cut to fit) and *out is untouched; for
 * PROGRESS *out is filled, borrowing from obj. */
enum docker_pull_msg docker_image_pull_decode(struct docker_pull_progress *out, char *text,
                                              size_t size, const json_t *obj);

/* POST /images/create for reference (a tag or digest is always sent, so a
 * pull never fetches every tag).  auth may be NULL or without credentials
 * (anonymous pull); otherwise it goes in X-Registry-Auth.  progress may be
 * NULL.  cancel may be NULL; set it non-zero to stop.  Errors:
 *   BERTH_EAUTH  "cannot pull image '<ref>': registry '<host>' requires
 *                authentication: add credentials with 'docker login
 *                <host>' (engine said: ...)" when no credentials were sent;
 *                "cannot pull image '<ref>': registry '<host>' rejected the
 *                credentials for '<user>': check them with 'docker login
 *                <host>' (engine said: ...)" when some were;
 *   BERTH_ENOTFOUND "cannot pull image '<ref>': not found in registry
 *                '<host>' (engine said: ...)";
 *   BERTH_ESERVER "cannot pull image '<ref>': the engine cannot reach
 *                registry '<host>' (engine said: ...)";
 *   BERTH_ETIMEOUT "cannot pull image '<ref>': the Docker engine at <host>
 *                sent nothing for 60 s": the engine reports progress all
 *                along a pull, so one silent for DOCKER_PULL_IDLE_MS hangs
 *                (a pull has no time limit of its own: images are large);
 *   BERTH_EINVALID for a reference that does not parse; the transport's
 *   codes otherwise.  err->engine_msg keeps the engine's words. */
int docker_image_pull(struct docker_client *c, const char *reference,
                      const struct docker_auth *auth, docker_pull_fn progress, void *userdata,
                      atomic_int *cancel, struct berth_err *err);

/* docker_image_pull() with the credentials `docker pull` would use: the
 * registry of reference looked up in config_path (NULL: the docker CLI's
 * default, see docker_auth_config_load()). */
int docker_image_pull_auto(struct docker_client *c, const char *reference, const char *config_path,
                           docker_pull_fn progress, void *userdata, atomic_int *cancel,
                           struct berth_err *err);

/* ---- inspect and list ---- */

struct docker_image_label {
        char *key;
        char *value;
};

/* What berth needs from GET /images/{name}/json.  Every pointer is owned
 * by the struct; string vectors are NULL-terminated and never NULL after
 * a successful inspect (possibly empty).  Release with
 * docker_image_info_release(). */
struct docker_image_info {
        char *id;                          /* "sha256:..." */
        char **repo_tags;                  /* "busybox:latest" */
        char **repo_digests;               /* "127.0.0.1:5000/app@sha256:..." */
        char *created;                     /* RFC 3339 text as the engine gives it */
        time_t created_unix;               /* 0 when it does not parse */
        char **exposed_ports;              /* "8080/tcp", sorted */
        struct docker_image_label *labels; /* sorted by key */
        size_t n_labels;
        char **env;        /* "K=V" */
        char **cmd;        /* NULL when the image has none */
        char **entrypoint; /* NULL when the image has none */
        char *user;        /* "" when none */
        char *working_dir; /* "" when none */
        struct docker_image_healthcheck {
                char **test; /* NULL when the image has no healthcheck */
                long long interval_ns, timeout_ns, start_period_ns; /* 0 when unset */
                int retries;                                        /* 0 when unset */
        } healthcheck;
        char *os;
        char *architecture;
        long long size;
        json_t *json; /* the whole answer; owned reference */
};

void docker_image_info_init(struct docker_image_info *info);
void docker_image_info_release(struct docker_image_info *info);

/* The value of label key, or NULL. */
const char *docker_image_info_label(const struct docker_image_info *info, const char *key);

/* GET /images/{name}/json.  name is a reference or an id.  out is
 * released first and filled on success.  Missing: BERTH_ENOTFOUND
 * "cannot inspect image '<name>': No such image: <name>". */
int docker_image_inspect(struct docker_image_info *out, struct docker_client *c, const char *name,
                         struct berth_err *err);

/* One entry of GET /images/json. */
struct docker_image_summary {
        char *id;
        char **repo_tags; /* with a reference filter, only the matching tags */
        char **repo_digests;
        struct docker_image_label *labels;
        size_t n_labels;
        time_t created;
        long long size;
};

enum docker_image_list_flags {
        DOCKER_IMAGE_LIST_ALL = 1 << 0, /* intermediate images too */
};

/* GET /images/json.  filters is a value from docker_filters() (already
 * escaped), e.g. docker_filters("dangling", "true", NULL), or
 * NULL.  On success *out (an array of *n entries, NULL when none) is owned
 * by the caller: docker_image_list_free(*out, *n). */
int docker_image_list(struct docker_image_summary **out, size_t *n, struct docker_client *c,
                      const char *filters, unsigned flags, struct berth_err *err);
void docker_image_list_free(struct docker_image_summary *list, size_t n);

/* ---- tag, remove, load ---- */

/* POST /images/{source}/tag: give source (reference or id) the name
 * target ("repo" or "repo:tag"; no digest).  Missing source:
 * BERTH_ENOTFOUND "cannot tag image '<source>': No such image: ...". */
int docker_image_tag(struct docker_client *c, const char *source, const char *target,
                     struct berth_err *err);

enum docker_image_remove_flags {
        DOCKER_IMAGE_REMOVE_FORCE = 1 << 0,    /* remove even if in use or with several tags */
        DOCKER_IMAGE_REMOVE_NO_PRUNE = 1 << 1, /* keep untagged parents */
};

/* DELETE /images/{name}.  Missing: BERTH_ENOTFOUND "cannot remove image
 * '<name>': No such image: <name>"; in use: BERTH_ECONFLICT. */
int docker_image_remove(struct docker_client *c, const char *name, unsigned flags,
                        struct berth_err *err);

/* POST /images/load with a tar archive (docker save format) read from
 * reader until it returns 0.  loaded may be NULL; otherwise on success
 * *loaded is a NULL-terminated vector of what the engine reports loading
 * ("name:tag", or "sha256:..." for untagged images), owned by the caller:
 * docker_image_strv_free().  An archive the engine refuses: BERTH_EINVALID
 * "cannot load images: <the engine's words>". */
int docker_image_load(char ***loaded, struct docker_client *c, docker_read_fn reader,
                      void *userdata, struct berth_err *err);
/* The same, reading the archive from fd (not closed). */
int docker_image_load_fd(char ***loaded, struct docker_client *c, int fd, struct berth_err *err);

/* Free a NULL-terminated string vector (NULL is fine). */
void docker_image_strv_free(char **v);

#endif
