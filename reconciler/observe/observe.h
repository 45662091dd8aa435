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

/* Observe scope with exactly four calls.  On success *out is owned by the
 * caller: actual_state_free() it. */
int observe_scope(struct actual_state **out, struct docker_client *c, const char *scope,
                  struct berth_err *err);

/* The same from the four list answers (JSON arrays as the engine returns
 * them; volumes as the {"Volumes": [...]} object): the pure part, for
 * tests and fuzzing.  Objects without scope's label are dropped (the
 * engine filtered them already; this is the second lock on the door).
 * Malformed answers are BERTH_EPROTO naming what is wrong. */
int observe_from_json(struct actual_state **out, const char *scope, const json_t *containers,
                      const json_t *networks, const json_t *volumes, const json_t *images,
                      struct berth_err *err);

/* "Exited (137) 5 seconds ago" -> 137; -1 when Status says no code. */
int observe_parse_exit_code(const char *status);
enum actual_health observe_parse_health(const char *status);

#endif
