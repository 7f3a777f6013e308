#!/bin/bash
exec "$(dirname "$0")/upstream-netdev.sh" pair
