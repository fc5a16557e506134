#!/usr/bin/env bash
# kamctl.sh RPC [args]: an RPC to the Kamailio of $KAMAILIO_PORT, e.g.
#   kamctl.sh ul.dump brief      (who is registered)
PORT=${KAMAILIO_PORT:-5060}
R=${KAMAILIO_RUN:-/tmp/voip-kamailio-$PORT}
exec kamcmd -s "unix:$R/kamailio_ctl" "$@"
