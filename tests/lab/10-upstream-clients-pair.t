#!/bin/bash
exec "$(dirname "$0")/upstream-clients.sh" pair
