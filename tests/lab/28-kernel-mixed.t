#!/bin/bash
# A mixed pair, a on 6.1 and b on 6.12 (a rolling upgrade): the ntbnet
# pair test (20) across them; see kernels.sh.
exec "$(dirname "$0")/kernels.sh" mixed
