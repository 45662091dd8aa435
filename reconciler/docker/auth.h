/* docker/auth.h - registry credentials: the docker CLI's config.json,
 * credential helpers, the X-Registry-Auth header and registry login.
 *
 * Owns: reading ~/.docker/config.json (or $DOCKER_CONFIG/config.json) the
 * way the docker CLI does, running `docker-credential-<name> get`, encoding
 * credentials for the engine, and POST /auth.
 *
 * Which credentials a registry gets (as `docker pull` would):
 *   1. credHelpers[registry] names a helper: ask it;
 *   2. otherwise credsStore names a helper: ask it;
 *   3. otherwise the auths[registry] entry ("auth" = base64 "user:pass",
 *      "identitytoken").
 * A helper, once chosen, is authoritative: when it has no credentials the
 * registry gets none (docker does the same; auths is not consulted).
 * Registries are named by host[:port] ("127.0.0.1:5000", "ghcr.io");
 * Docker Hub ("docker.io") is keyed "https://index.docker.io/v1/".  Keys
 * written with an http:// or https:// prefix or a trailing path ("/v1/",
 * "/v2/") match their host.
 *
 * May not use: manifest, model, diff, plan, exec, watch, docker/image.
 */
#ifndef BERTH_DOCKER_AUTH_H
#define BERTH_DOCKER_AUTH_H

#include <stddef.h>

#include "common/err.h"
#include "docker/client.h"

#define DOCKER_HUB_DOMAIN "docker.io"
#define DOCKER_HUB_AUTH_KEY "https://index.docker.io/v1/"
#define DOCKER_AUTH_CONFIG_MAX (1UL << 20)   /* config.json larger than this is refused */
#define DOCKER_AUTH_HELPER_TIMEOUT_MS 30000L /* a helper slower than this is killed */
#define DOCKER_AUTH_HELPER_MAX_OUTPUT (64UL << 10)

/* Credentials for one registry.  Every field is NULL or a string owned by
 * the struct; docker_auth_release() frees them.  username+password, or
 * identitytoken (an OAuth refresh token from a login), or neither (no
 * credentials: pull anonymously).  serveraddress is what the engine is
 * told the credentials are for: "127.0.0.1:5000" or DOCKER_HUB_AUTH_KEY. */
struct docker_auth {
        char *username;
        char *password;
        char *identitytoken;
        char *serveraddress;
};

void docker_auth_init(struct docker_auth *a);
void docker_auth_release(struct docker_auth *a); /* and re-init; safe twice */

/* Fill a (released first) with copies of the given strings, each may be
 * NULL.  0 or BERTH_ENOMEM. */
int docker_auth_set(struct docker_auth *a, const char *username, const char *password,
                    const char *identitytoken, const char *serveraddress, struct berth_err *err);

/* Non-zero when a carries a user name or an identity token. */
int docker_auth_has_credentials(const struct docker_auth *a);

/* The key a registry (host[:port], "docker.io") has in config.json and in
 * serveraddress: DOCKER_HUB_AUTH_KEY for Docker Hub, the host otherwise.
 * Returns registry itself or a static string. */
const char *docker_auth_server_key(const char *registry);

/* The registry host a config.json key or serveraddress names: the scheme
 * and any path removed ("https://ghcr.io/v2/" -> "ghcr.io"); Docker Hub's
 * names ("https://index.docker.io/v1/", "index.docker.io",
 * "registry-1.docker.io") become "docker.io".  Writes at most size bytes. */
void docker_auth_key_host(char *buf, size_t size, const char *key);

/* A parsed config.json.  Opaque. */
struct docker_auth_config;

/* Read path, or NULL for $DOCKER_CONFIG/config.json, or else
 * $HOME/.docker/config.json.  A missing file is no error: it yields a
 * config without credentials.  A file that is not JSON fails with
 * BERTH_EINVALID "cannot read '<path>': line L column C: <what jansson
 * says>" (err->line and err->col set too); wrong types or an "auth" that
 * is not base64 of "user:pass" fail with BERTH_EINVALID naming the file
 * and the key.  Unreadable or over DOCKER_AUTH_CONFIG_MAX: BERTH_EIO or
 * BERTH_ETOOBIG.  On success *out is owned by the caller; free it with
 * docker_auth_config_free(). */
int docker_auth_config_load(struct docker_auth_config **out, const char *path,
                            struct berth_err *err);
void docker_auth_config_free(struct docker_auth_config *cfg);

/* The file the config was read from (or would have been, when missing). */
const char *docker_auth_config_path(const struct docker_auth_config *cfg);

/* The helper used for registry ("desktop" for docker-credential-desktop),
 * or NULL when the registry's credentials come from auths. */
const char *docker_auth_config_helper(const struct docker_auth_config *cfg, const char *registry);

/* Look up credentials for registry (host[:port] or "docker.io") in cfg,
 * running a credential helper when the config names one.  out is
 * (re)filled: serveraddress is always set; username/password or
 * identitytoken only when credentials were found (see
 * docker_auth_has_credentials()).  No credentials is not an error.
 * Fails when a helper is missing, fails, times out or answers nonsense
 * (BERTH_EIO, message naming docker-credential-<name> and the file that
 * chose it). */
int docker_auth_lookup(struct docker_auth *out, const struct docker_auth_config *cfg,
                       const char *registry, struct berth_err *err);

/* Run `docker-credential-<helper> get` (found on PATH, no shell) with
 * server on its stdin, waiting at most timeout_ms (0: the default).  out
 * is (re)filled as for docker_auth_lookup(): an answer whose Username is
 * "<token>" carries an identity token in Secret; "credentials not found"
 * (exit status non-zero with that text) is success without credentials.
 * A helper that is not on PATH: BERTH_EIO "credential helper
 * 'docker-credential-<name>' is not installed (not found on PATH)". */
int docker_auth_helper_get(struct docker_auth *out, const char *helper, const char *server,
                           long timeout_ms, struct berth_err *err);

/* The X-Registry-Auth value for a: base64url (padded) of
 * {"username","password","serveraddress"} or
 * {"identitytoken","serveraddress"}.  *out is owned by the caller
 * (free()).  a without credentials gives {"serveraddress"} only. */
int docker_auth_header(char **out, const struct docker_auth *a, struct berth_err *err);

/* Standard base64 (RFC 4648 with padding; surrounding whitespace
 * ignored) to bytes.  *out is NUL-terminated and owned by the caller
 * (free()); *len excludes the NUL.  Not base64: BERTH_EINVALID. */
int docker_base64_decode(char **out, size_t *len, const char *in, struct berth_err *err);

/* The engine's answer to a login. */
struct docker_login_result {
        char *status;        /* "Login Succeeded"; owned */
        char *identitytoken; /* NULL unless the registry gave one; owned */
};
void docker_login_result_release(struct docker_login_result *r);

/* POST /auth: have the engine check a's credentials against its
 * registry (a->serveraddress; NULL means Docker Hub).  out may be NULL;
 * otherwise it is filled on success (release it whatever the result).
 * Rejected credentials: BERTH_EAUTH "cannot log in to registry '<r>' as
 * '<user>': the registry rejected the credentials (engine said: ...)". */
int docker_registry_login(struct docker_login_result *out, struct docker_client *c,
                          const struct docker_auth *a, struct berth_err *err);

/* How an engine message about a registry reads: 0 (nothing known),
 * BERTH_EAUTH (credentials missing or refused), BERTH_ENOTFOUND (no such
 * repository, tag or manifest), BERTH_ESERVER (registry unreachable). */
int docker_registry_error_kind(const char *engine_msg);

#endif
