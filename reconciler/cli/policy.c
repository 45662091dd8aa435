/* The options every command that reads manifests shares: --policy FILE
 * and --insecure-manifests (cli/cli.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/err.h"
#include "manifest/diag.h"
#include "policy/policy.h"

void cli_trust_option(struct cli_trust *t, int opt, const char *arg)
{
        if (opt == CLI_OPT_POLICY)
                t->policy_file = arg;
        else if (opt == CLI_OPT_INSECURE)
                t->insecure = 1;
}

int cli_policy_load(struct cli_trust *t)
{
        struct diag_list diags;
        struct berth_err err;
        char line[4096];
        const char *env = getenv("BERTH_POLICY");
        size_t i;
        int r;

        if (t->loaded)
                return 0;
        t->loaded = 1;
        if (!t->policy_file && env && *env)
                t->policy_file = env;
        if (!t->policy_file)
                return 0;
        diag_list_init(&diags);
        berth_err_clear(&err);
        r = policy_load(&t->policy, t->policy_file, t->insecure ? POLICY_LOAD_INSECURE : 0, &diags,
                        &err);
        diag_list_sort(&diags);
        for (i = 0; i < diags.n; i++)
                fprintf(stderr, "%s\n", diag_format(&diags.v[i], line, sizeof(line)));
        if (r == BERTH_EINVALID)
                fprintf(stderr,
                        "berth: the policy file '%s' has errors (above): nothing was done\n",
                        t->policy_file);
        else if (r < 0)
                fprintf(stderr, "berth: %s: nothing was done\n",
                        berth_err_format(&err, line, sizeof(line)));
        diag_list_release(&diags);
        return r < 0 ? -1 : 0;
}

void cli_trust_release(struct cli_trust *t)
{
        policy_free(t->policy);
        t->policy = NULL;
        t->loaded = 0;
}
