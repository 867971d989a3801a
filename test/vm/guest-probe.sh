#!/bin/bash
# kspray VM test probe: baked into the test image only (test/vm/build-image.sh), never in a payload.
# Talks to the test over a second serial port, one line per message:
#   guest → test: "KSPRAYVM <uptime> boot <boot-id>", "… unit <ActiveState of kspray-bootstrap>",
#                 "… status <line of /var/lib/kspray/status>", "… cloud-init-result",
#                 "… result <id> <exit code> <base64 of stdout+stderr>"
#   test → guest: "run <id> <base64 of a bash script>" (reboot/poweroff are scripts too)
# Uptime stamps let the test print boot-to-unit and phase times without trusting the guest clock.
set -u
dev=$1
stty -F "$dev" raw -echo -ixon 115200 2>/dev/null || true
exec 3<>"$dev"
say() { printf 'KSPRAYVM %s %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*" >&3; }

say boot "$(cat /proc/sys/kernel/random/boot_id)"

# Commands from the test, each run to completion in order.
while read -r -u 3 verb id script; do
  script=${script%$'\r'}
  [[ $verb == run ]] || continue
  out=$(printf '%s' "$script" | base64 -d | bash 2>&1)
  rc=$?
  say result "$id" "$rc" "$(printf '%s' "$out" | base64 -w0)"
done &

last_status='' last_unit='' ci=''
while sleep 0.5; do
  s=$(cat /var/lib/kspray/status 2>/dev/null || true)
  if [[ $s != "$last_status" ]]; then say status "$s"; last_status=$s; fi
  u=$(systemctl show -p ActiveState --value kspray-bootstrap.service 2>/dev/null || true)
  if [[ $u != "$last_unit" ]]; then say unit "$u"; last_unit=$u; fi
  if [[ -z $ci && -f /run/cloud-init/result.json ]]; then say cloud-init-result; ci=1; fi
done
