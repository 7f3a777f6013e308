#!/bin/bash
# Mixed pairs, 6.1 with 6.12 each way round (a rolling upgrade): the
# ntbnet pair test (20) across them; see kernels.sh.
exec "$(dirname "$0")/kernels.sh" mixed
