/* observe/observe.h - read the actual state of one scope from the engine
 * with a constant number of calls whatever the number of services: one
 * container list (all states, filtered by the scope label), one network
 * list, one volume list, one image list.  No per-object inspect:
 * everything diff needs is in the list answers (labels, state, the
 * "Exited (N)" and "(healthy)" parts of Status, the image id).
 *
 * May not use: manifest, diff, plan, exec, watch, cli.
 */
#ifndef BERTH_OBSERVE_H
#define BERTH_OBSERVE_H

#include <jansson.h>

#include "docker/client.h"
#include "model/actual.h"

/* Observe scope with exactly four calls (all GET), made at once on
 * threads of their own once the API version is settled (the ping, when
 * the client has not made it yet): containers with all=1 filtered by
 * label berth.scope=<scope>; networks, volumes and images unfiltered
 * (every name is kept in engine_networks/volumes, so that external ones
 * can be checked; only the scope's become objects).  The container list
 * is read entry by entry as it is decoded (docker_call_json_each()), the
 * same entries and messages as observe_from_json() but for an answer that
 * is not an array: "... the engine's answer is not a JSON array".  On
 * success *out is
 * owned by the caller: actual_state_free() it.  An empty scope is
 * BERTH_EINVALID; a failed call gives its error ("cannot list the
 * containers of scope 'default': ..."), the first in that order when
 * several failed: all four are made even when one fails. */
int observe_scope(struct actual_state **out, struct docker_client *c, const char *scope,
                  struct berth_err *err);

/* The same from the four list answers (JSON arrays as the engine returns
 * them; volumes as the {"Volumes": [...]} object): the pure part, for
 * tests and fuzzing.  Objects without scope's label are dropped (the
 * engine filtered them already; this is the second lock on the door).
 * Images: every RepoTags entry but "<none>:<none>" becomes one tag.
 * engine_networks/engine_volumes get every name in those lists.
 * Malformed answers (not an array, an entry that is not an object, no Id
 * or Names or Name, Labels not an object of strings, ...) are BERTH_EPROTO
 * naming the list and the entry, counted from 0: "cannot read the
 * container list: entry 3 has no Names".  Nothing is borrowed: the JSON
 * may be freed after. */
int observe_from_json(struct actual_state **out, const char *scope, const json_t *containers,
                      const json_t *networks, const json_t *volumes, const json_t *images,
                      struct berth_err *err);

/* "Exited (137) 5 seconds ago" -> 137, "Restarting (1) 2 seconds ago" -> 1;
 * -1 when Status says no code (NULL too). */
int observe_parse_exit_code(const char *status);
/* "Up 3 minutes (healthy)", "(unhealthy)", "(health: starting)" as the
 * 20.10 engine prints them; NONE otherwise (NULL too). */
enum actual_health observe_parse_health(const char *status);

#endif
