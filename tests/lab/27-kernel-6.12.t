#!/bin/bash
# Both nodes on Debian's 6.12: the ntbnet pair (test 20), the upstream
# netdev pair (12) and the hostile peer (41); see kernels.sh.
exec "$(dirname "$0")/kernels.sh" 6.12
