#include "cli/cli.h"

#include "common/err.h"

void cli_report(const struct berth_err *err)
{
        char buf[2048];

        fprintf(stderr, "berth: %s\n", berth_err_format(err, buf, sizeof(buf)));
}
