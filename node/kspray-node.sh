#!/usr/bin/env bash
# kspray node program: bootstraps this node at first boot with no SSH (docs/node-contract.md).
# Static: everything node-specific comes from /etc/kspray/*. KSPRAY_ROOT prefixes every path (tests).
# Each phase leaves /var/lib/kspray/phases/<phase>.done, so a restart resumes where it failed.
# Usage: kspray-node.sh [--only-install]   (--only-install: the install phases only, at image bake)
#        kspray-node.sh --upgrade VERSION apply|node [--skip-phases=P]   (kspray upgrade --apply's Job)
set -Eeuo pipefail
shopt -s nullglob
export LC_ALL=C
R=${KSPRAY_ROOT:-}
ETC=$R/etc/kspray
STATE=$R/var/lib/kspray
PHASE=start
TMPF=''
BIN=$R/usr/local/bin

log() { printf 'kspray: %s\n' "$*"; }
# status STATE MSG: the one-line status file, replaced atomically, and the same line in the journal
status() {
  mkdir -p "$STATE"
  printf 'phase=%s state=%s at=%s msg=%s\n' "$PHASE" "$1" "$(date -u +%FT%TZ)" "$2" >"$STATE/status.tmp"
  mv -f "$STATE/status.tmp" "$STATE/status"
  log "$PHASE: $1${2:+: $2}"
}
die() { status failed "$*"; exit 1; }
# BASH_COMMAND is the unexpanded source text, so this never prints a value (or a secret).
trap 'status failed "line $LINENO: $BASH_COMMAND"' ERR
trap 'rm -f "$TMPF"' EXIT # a partial download never outlives the program

# retry LABEL TRIES CAP CMD...: run CMD until it succeeds, waiting 2,4,8.. (at most CAP) seconds;
# fails the phase after TRIES. CMD runs as a condition (no errexit inside): one command, or a
# function that returns its own status and may set WHY (why the try failed) for the status line.
retry() {
  local label=$1 tries=$2 cap=$3 n=1 delay=2
  shift 3
  WHY=''
  until "$@"; do
    if ((n >= tries)); then die "$label: gave up after $n tries${WHY:+: $WHY}"; fi
    status running "$label: try $n/$tries failed${WHY:+ ($WHY)}, next in ${delay}s"
    sleep "$delay"
    n=$((n + 1)) delay=$((delay * 2 > cap ? cap : delay * 2)) WHY=''
  done
}

sha_ok() { printf '%s  %s\n' "$1" "$2" | sha256sum -c --status -; }

# get URL OUT [SHA256]: one bounded try, the body at OUT (checked against SHA256 if given). No
# retry and no exit: CMD-style for retry. Limits (node.env may override): KSPRAY_CONNECT seconds
# to connect; a transfer below 1 KB/s for KSPRAY_STALL seconds is cut (a slow download that moves
# never is); KSPRAY_MAX_TIME seconds for the whole try. On failure WHY is the HTTP status or curl's
# own reason (refused, timed out, too slow), or the sha256 mismatch; curl prints no header.
get() {
  local e
  if ! e=$(curl -fsSL --connect-timeout "${KSPRAY_CONNECT:-20}" -Y 1024 -y "${KSPRAY_STALL:-60}" -m "${KSPRAY_MAX_TIME:-1800}" "${CURL_EXTRA[@]}" -o "$2" "$1" 2>&1); then
    e=${e##*curl: } WHY=${e//$'\n'/ }
    return 1
  fi
  [[ -z ${3:-} ]] || sha_ok "$3" "$2" || { WHY="sha256 mismatch, refused: ${1##*/} (got $(sha256sum <"$2" | cut -c1-16)...)" && return 1; }
}

# download URL SHA256 DEST MODE: DEST verified and in place with MODE (replaced atomically; kept if
# already right), or the phase fails naming URL and reason after 6 bounded tries with backoff.
download() {
  local url=$1 sha=$2 dest=$3 mode=$4
  if [[ -f $dest ]] && sha_ok "$sha" "$dest"; then log "have ${dest#"$R"}"; return 0; fi
  mkdir -p "${dest%/*}"
  TMPF=$(mktemp "$dest.XXXXXX")
  retry "download $url" 6 60 get "$url" "$TMPF" "$sha"
  chmod "$mode" "$TMPF"
  mv -f "$TMPF" "$dest"
}

# fetch ID DEST MODE: the download named ID in downloads.tsv (id<TAB>url<TAB>sha256)
fetch() {
  local id url sha
  while IFS=$'\t' read -r -u 3 id url sha; do
    if [[ $id == "$1" ]]; then download "$url" "$sha" "$2" "$3"; return 0; fi
  done 3<"$ETC/downloads.tsv"
  die "no download '$1' in downloads.tsv"
}

prepare_os() {
  local m f
  swapoff -a
  if [[ -f $R/etc/fstab ]]; then sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/#\1/' "$R/etc/fstab"; fi
  # Packages first: RHEL 10's modules come from kernel-modules-extra.
  install_packages
  # Ours, then the spec's (kspray-user): a module this kernel lacks fails the phase.
  for f in "$R"/etc/modules-load.d/{kubernetes,kspray-user}.conf; do
    [[ -f $f ]] || continue
    while read -r m; do
      if [[ -n $m && $m != \#* ]]; then modprobe "$m"; fi
    done <"$f"
  done
  # Other sysctl.d files may name keys this kernel lacks: only ours and the spec's must apply.
  sysctl --system >/dev/null || log "sysctl --system reported errors (above)"
  for f in "$R"/etc/sysctl.d/{90-kspray-user,99-kubernetes}.conf; do
    if [[ -f $f ]]; then sysctl -q -p "$f"; fi
  done
  # Kubespray's defaults: SELinux permissive (the catalog containerd labels nothing), now and after
  # reboots; a disabled SELinux stays disabled.
  if [[ ${KSPRAY_SELINUX:-} == permissive ]]; then
    if [[ $(getenforce 2>/dev/null || true) == Enforcing ]]; then setenforce 0; fi
    if [[ -f $R/etc/selinux/config ]]; then sed -i 's/^SELINUX=enforcing$/SELINUX=permissive/' "$R/etc/selinux/config"; fi
  fi
  # firewalld would drop the pod and service traffic the CNI and kube-proxy route.
  if [[ ${KSPRAY_FIREWALLD:-} == disable ]] && systemctl cat firewalld.service >/dev/null 2>&1; then
    systemctl disable --now firewalld.service
  fi
}

# pkg CMD...: a package manager run (output to the journal); on failure WHY is its last error line,
# which names the package or mirror URL it could not get. Each manager bounds its own stalls.
pkg() {
  local o=$STATE/pkg.log
  "$@" >"$o" 2>&1 && cat "$o" && return 0
  cat "$o"
  WHY=$(grep -E '^(E:|Err|Error|Problem|No provider|Failed)' "$o" | tail -n 1) || true
  return 1
}

# The OS packages of KSPRAY_PACKAGES (names per family: src/plan/osProfile.ts). Installing what is
# already there is a no-op for each manager; lock waits and retries cover a concurrent cloud-init.
install_packages() {
  local p k
  read -r -a p <<<"${KSPRAY_PACKAGES:-}"
  # The running kernel's build (uname -r: VERSION-RELEASE.ARCH); a newer one needs a reboot.
  for k in ${KSPRAY_KERNEL_PACKAGES:-}; do p+=("$k-$(uname -r)"); done
  if ((${#p[@]} == 0)); then return 0; fi
  case ${KSPRAY_PACKAGE_MANAGER:-none} in
    apt)
      export DEBIAN_FRONTEND=noninteractive
      retry "apt-get update" 8 60 pkg apt-get -q -o DPkg::Lock::Timeout=120 update
      retry "apt-get install ${p[*]}" 8 60 pkg apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends "${p[@]}"
      ;;
    dnf) retry "dnf install ${p[*]}" 8 60 pkg dnf -q -y install "${p[@]}" ;;
    zypper)
      export ZYPP_LOCK_TIMEOUT=120
      retry "zypper install ${p[*]}" 8 60 pkg zypper --non-interactive --gpg-auto-import-keys install --no-recommends "${p[@]}"
      ;;
    *) log "no package manager: OS packages are expected to be present" ;;
  esac
}

# KSPRAY_INSTALL_CONTAINERD=no: the OS ships containerd and runc (Flatcar); only configure them.
# KSPRAY_CONTAINER_RUNTIME=cri-o: cri-o's static bundle instead of containerd.
install_runtime() {
  local c=$R/var/cache/kspray own=${KSPRAY_INSTALL_CONTAINERD:-yes} rt=${KSPRAY_CONTAINER_RUNTIME:-containerd}
  if [[ $own == yes ]]; then fetch containerd "$c/containerd.tgz" 644; fi
  fetch cni-plugins "$c/cni-plugins.tgz" 644
  fetch crictl "$c/crictl.tgz" 644
  mkdir -p "$BIN" "$R/opt/cni/bin"
  if [[ $own == yes ]]; then
    fetch runc "$R/usr/local/sbin/runc" 755
    tar -xzf "$c/containerd.tgz" -C "$R/usr/local" --no-same-owner # bin/containerd, bin/ctr, shims
  fi
  tar -xzf "$c/cni-plugins.tgz" -C "$R/opt/cni/bin" --no-same-owner
  tar -xzf "$c/crictl.tgz" -C "$BIN" --no-same-owner crictl
  if [[ $rt == cri-o ]]; then install_crio "$c"; fi
  rm -rf "$c" # installed; keeps baked images small
  systemctl daemon-reload
  systemctl enable --now "${rt/cri-o/crio}"
}

# cri-o's static bundle (CNI plugins and crictl come from the catalog): crio and pinns into the bin
# dir; conmon, crun and runc (bin/crio-<name> in older bundles) into /usr/local/libexec/crio, where
# crio.conf.d/10-kspray.conf points; its unit (ExecStart=/usr/local/bin/crio, the bin dir of every
# OS cri-o is allowed on) and its policy.json unless the OS has one.
install_crio() {
  local x=$1/cri-o l=$R/usr/local/libexec/crio f
  fetch cri-o "$1/cri-o.tgz" 644
  tar -xzf "$1/cri-o.tgz" -C "$1" --no-same-owner
  install -m 755 "$x/bin/crio" "$x/bin/pinns" "$BIN/"
  for f in conmon crun runc; do install -Dm755 "$x/bin/$f" "$l/$f" 2>/dev/null || install -Dm755 "$x/bin/crio-$f" "$l/$f"; done
  install -Dm644 "$x/contrib/crio.service" "$R/etc/systemd/system/crio.service"
  if [[ ! -f $R/etc/containers/policy.json ]]; then install -Dm644 "$x/contrib/policy.json" "$R/etc/containers/policy.json"; fi
}

install_kubernetes() {
  local b
  for b in kubeadm kubelet kubectl; do fetch "$b" "$BIN/$b" 755; done
  systemctl daemon-reload
  systemctl enable kubelet # kubeadm starts it
}

# helm (spec.addons.helm, control planes only: their downloads.tsv has the line): the CLI from the
# release tarball, whose only directory is linux-<arch>/.
install_helm() {
  local c=$R/var/cache/kspray
  fetch helm "$c/helm.tgz" 644
  mkdir -p "$BIN"
  tar -xzf "$c/helm.tgz" -C "$BIN" --no-same-owner --strip-components=1 --wildcards '*/helm'
  rm -rf "$c"
}

# etcd_healthy CA CERT KEY URL...: some member answers /health over mutual TLS (etcd says healthy
# only with a leader and quorum, so one is enough); CMD-style for retry.
etcd_healthy() {
  local ca=$1 cert=$2 key=$3 url
  shift 3
  for url in "$@"; do
    if curl -fsS --max-time 10 --cacert "$ca" --cert "$cert" --key "$key" -o /dev/null "$url/health"; then return 0; fi
  done
  return 1
}

# External etcd member (KSPRAY_ACTION=etcd): etcd and etcdctl from the verified release tarball, the
# unit and /etc/etcd/etcd.env from the payload. Started without blocking (the first member to boot
# has no quorum until the others are up), then waited for, bounded: about an hour, like the joins.
install_etcd() {
  local c=$R/var/cache/kspray pki=$R/etc/etcd/pki
  fetch etcd "$c/etcd.tgz" 644
  mkdir -p "$BIN"
  tar -xzf "$c/etcd.tgz" -C "$BIN" --no-same-owner --strip-components=1 --wildcards '*/etcd' '*/etcdctl'
  rm -rf "$c"
  mkdir -p "$R/var/lib/etcd"
  chmod 700 "$R/var/lib/etcd"
  systemctl daemon-reload
  systemctl enable etcd
  systemctl start --no-block etcd
  retry "waiting for etcd to be healthy" 120 30 etcd_healthy "$pki/ca.crt" "$pki/server.crt" "$pki/server.key" https://127.0.0.1:2379
}

# Control planes of an external etcd wait for it (kubeadm init/join would time out against it).
wait_for_etcd() {
  local urls pki=$R/etc/kubernetes/pki
  read -r -a urls <<<"${KSPRAY_ETCD_ENDPOINTS:-}"
  if ((${#urls[@]} == 0)); then return 0; fi
  retry "waiting for etcd (${urls[*]})" 120 30 etcd_healthy "$pki/etcd/ca.crt" "$pki/apiserver-etcd-client.crt" "$pki/apiserver-etcd-client.key" "${urls[@]}"
}

kubeadm_init() {
  local vip=$R/etc/kubernetes/manifests/kube-vip.yaml
  wait_for_etcd
  kubeadm init --config "$ETC/kubeadm.yaml" --skip-token-print
  # kube-vip needed super-admin.conf until init bound admin.conf's group to cluster-admin.
  if [[ -f $vip ]]; then sed -i 's#/etc/kubernetes/super-admin.conf#/etc/kubernetes/admin.conf#' "$vip"; fi
}

# One join attempt. A failed join leaves files its own preflight refuses next time: remove those
# (never the control-plane certificates the payload placed in /etc/kubernetes/pki).
join_once() {
  kubeadm join --config "$ETC/kubeadm.yaml" && return 0
  systemctl stop kubelet || true
  rm -f "$R/etc/kubernetes/kubelet.conf" "$R/etc/kubernetes/bootstrap-kubelet.conf"
  if [[ ${KSPRAY_ACTION:-} == join-worker ]]; then rm -f "$R/etc/kubernetes/pki/ca.crt"; fi
  return 1
}

kubeadm_join() {
  local urls url
  wait_for_etcd
  read -r -a urls <<<"${KSPRAY_WAIT_FOR:-}"
  for url in "${urls[@]}"; do
    retry "waiting for $url" 120 30 curl -fsk --max-time 10 -o /dev/null "$url"
  done
  retry "kubeadm join" 10 60 join_once
  if [[ -n ${KSPRAY_LOCAL_API_SERVER:-} ]]; then
    sed -i -E "s#^([[:space:]]*server:).*#\1 $KSPRAY_LOCAL_API_SERVER#" "$R/etc/kubernetes/kubelet.conf"
    systemctl restart kubelet
  fi
}

cluster_addons() {
  local file url sha ns f
  local -A ns_of=()
  export KUBECONFIG=$R/etc/kubernetes/admin.conf
  retry "waiting for the API" 60 30 kubectl get --raw /readyz --request-timeout=10s
  if [[ -f $ETC/addons.tsv ]]; then
    # An optional 4th column: the namespace for a manifest whose objects name none (kubectl -n).
    while IFS=$'\t' read -r -u 3 file url sha ns; do
      if [[ -n $file && $file != \#* ]]; then download "$url" "$sha" "$ETC/addons/$file" 644; ns_of[$file]=$ns; fi
    done 3<"$ETC/addons.tsv"
  fi
  for f in "$ETC"/addons/*.yaml; do
    ns=${ns_of[${f##*/}]:-}
    retry "apply ${f##*/}" 10 60 kubectl apply --request-timeout=120s --server-side --force-conflicts ${ns:+-n "$ns"} -f "$f"
  done
  if [[ -n ${KSPRAY_KUBE_PROXY_SERVER:-} ]]; then
    retry "point kube-proxy at $KSPRAY_KUBE_PROXY_SERVER" 10 30 repoint_kube_proxy
  fi
}

# kubeadm points kube-proxy at the first control plane; the localhost proxy makes 127.0.0.1 work
# on every node, so that node is no single point of failure.
repoint_kube_proxy() {
  kubectl -n kube-system get configmap kube-proxy -o yaml |
    sed -E "s#^([[:space:]]*server:).*#\1 $KSPRAY_KUBE_PROXY_SERVER#" |
    kubectl replace -f - &&
    kubectl -n kube-system rollout restart daemonset kube-proxy
}

# >>> shipped with a secrets archive: payloads with delivery fetch or aws-secrets-manager (src/plan/nodeProgram.ts).
# The archive (already checked against the sha256 the payload pins) unpacked with its modes, then deleted.
unpack_secrets() {
  tar -xpf "$1" -C "$R/"
  rm "$1"
}
# <<< shipped with a secrets archive

# >>> shipped with delivery fetch: payloads of other clusters leave this out (src/plan/nodeProgram.ts).
# spec.secrets.delivery fetch: this node's keys, certificates and token as one tar archive, pinned
# by the sha256 in the payload; unpacked with their modes, then the download is deleted.
fetch_secrets() {
  local f=$STATE/secrets.tar
  # spec.secrets.caCert: the only CA curl trusts for this download (curl reads CURL_CA_BUNDLE)
  [[ ! -f $ETC/secrets-ca.crt ]] || local -x CURL_CA_BUNDLE=$ETC/secrets-ca.crt
  download "$KSPRAY_SECRETS_URL" "$(<"$ETC/secrets.sha256")" "$f" 600
  unpack_secrets "$f"
}
# <<< shipped with delivery fetch

# >>> shipped with delivery aws-secrets-manager
# spec.secrets.delivery aws-secrets-manager: the archive is the Secrets Manager secret
# KSPRAY_SECRETS_ID, read with this instance's role credentials from IMDSv2 (a session token from a
# PUT first) and signed by curl itself (--aws-sigv4, curl >= 7.75): no AWS CLI on the image. Keys
# and tokens reach curl through a config on a pipe (-K), never its command line, which any local
# process can read. IMDS is link-local: never through spec.proxy (--noproxy). KSPRAY_IMDS_URL and
# KSPRAY_SM_ENDPOINT are for tests (loopback servers).
IMDS=${KSPRAY_IMDS_URL:-http://169.254.169.254}

# jfield NAME JSON: the string value of NAME (AWS's JSON here: credentials, base64, error types).
jfield() {
  local re="\"$1\"[[:space:]]*:[[:space:]]*\"([^\"]*)\""
  [[ $2 =~ $re ]] && printf '%s' "${BASH_REMATCH[1]//\\/}"
}

# imds PATH: one bounded IMDSv2 read into REPLY (CMD-style; WHY names the URL and reason).
imds() {
  REPLY=$(curl -fsS --noproxy '*' --connect-timeout 5 -m 10 -K <(printf 'header = "X-aws-ec2-metadata-token: %s"\n' "$IMDS_TOKEN") "$IMDS/latest/$1" 2>&1) || { WHY="$IMDS/latest/$1: ${REPLY##*curl: }" && return 1; }
}

# aws_creds: region, Secrets Manager endpoint and the instance role's temporary keys (CMD-style).
aws_creds() {
  local d=amazonaws.com
  IMDS_TOKEN=$(curl -fsS --noproxy '*' --connect-timeout 5 -m 10 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/latest/api/token" 2>&1) || { WHY="$IMDS/latest/api/token: ${IMDS_TOKEN##*curl: }" && return 1; }
  imds meta-data/placement/region || return 1
  AWS_R=$REPLY
  [[ $AWS_R != cn-* ]] || d=amazonaws.com.cn
  SM=${KSPRAY_SM_ENDPOINT:-https://secretsmanager.$AWS_R.$d}
  imds meta-data/iam/security-credentials/ || return 1
  imds "meta-data/iam/security-credentials/${REPLY%%$'\n'*}" || return 1
  AK=$(jfield AccessKeyId "$REPLY") SK=$(jfield SecretAccessKey "$REPLY") ST=$(jfield Token "$REPLY") || true
  [[ -n $AK && -n $SK && -n $ST ]] || { WHY="no role credentials from $IMDS (no instance profile?)" && return 1; }
}

# sm TARGET BODY OUT: one bounded, SigV4-signed Secrets Manager call, the answer at OUT (CMD-style;
# WHY is the endpoint, call and HTTP status with AWS's error type, or curl's reason).
sm() {
  local c
  c=$(curl -sS --connect-timeout "${KSPRAY_CONNECT:-20}" -Y 1024 -y "${KSPRAY_STALL:-60}" -m 120 --aws-sigv4 "aws:amz:$AWS_R:secretsmanager" \
    -K <(printf 'user = "%s:%s"\nheader = "X-Amz-Security-Token: %s"\n' "$AK" "$SK" "$ST") -H "X-Amz-Target: secretsmanager.$1" \
    -H 'Content-Type: application/x-amz-json-1.1' --data-binary "$2" -o "$3" -w '%{http_code}' "$SM" 2>&1) || { WHY="$SM $1: ${c##*curl: }" && return 1; }
  [[ $c == 200 ]] || { WHY="$SM $1 $KSPRAY_SECRETS_ID: HTTP $c $(jfield __type "$(cat "$3" 2>/dev/null)")" && return 1; }
}

# get_secret OUT SHA256: the secret's binary (the archive, gzipped: aws apply stores it so) at OUT,
# checked against the pin (CMD-style).
get_secret() {
  local j=$STATE/secret.json b
  sm GetSecretValue "{\"SecretId\":\"$KSPRAY_SECRETS_ID\"}" "$j" || { rm -f "$j" && return 1; }
  b=$(jfield SecretBinary "$(<"$j")") || true
  rm -f "$j"
  { [[ -n $b ]] && base64 -d <<<"$b" | gzip -dc >"$1" 2>/dev/null; } || { rm -f "$1" && WHY="$SM GetSecretValue $KSPRAY_SECRETS_ID: no SecretBinary" && return 1; }
  sha_ok "$2" "$1" || { WHY="sha256 mismatch, refused: $KSPRAY_SECRETS_ID (got $(sha256sum <"$1" | cut -c1-16)...)" && rm -f "$1" && return 1; }
}

fetch_secret_aws() {
  local f=$STATE/secrets.tar u
  u=$(umask)
  umask 077 # the answer and the archive hold keys
  TMPF=$STATE/secret.json
  retry "instance credentials from $IMDS" 6 30 aws_creds
  retry "GetSecretValue $KSPRAY_SECRETS_ID" 6 60 get_secret "$f" "$(<"$ETC/secrets.sha256")"
  umask "$u"
  unpack_secrets "$f"
}

# After a successful bootstrap the secret has done its job: deleted at once (no recovery window),
# so nothing can read the keys from Secrets Manager any more. Already gone (a restart) is done.
delete_secret() {
  sm DeleteSecret "{\"SecretId\":\"$KSPRAY_SECRETS_ID\",\"ForceDeleteWithoutRecovery\":true}" "$STATE/delete.json" || [[ $WHY == *ResourceNotFoundException* ]]
}
forget_secret() {
  retry "instance credentials from $IMDS" 6 30 aws_creds
  retry "DeleteSecret $KSPRAY_SECRETS_ID" 6 60 delete_secret
  rm -f "$STATE/delete.json"
}
# <<< shipped with delivery aws-secrets-manager

finish() { date -u +%FT%TZ >"$STATE/done"; }

# phase NAME FUNC [FILE...]: run FUNC unless its marker holds the same key (a hash of the FILEs the
# phase installs from): a restart skips finished phases, and a booted golden image redoes an
# install phase only if its payload asks for other versions than the image was baked with.
phase() {
  local name=$1 fn=$2 key marker=$STATE/phases/$1.done
  shift 2
  PHASE=$name
  # /dev/null first: with no file, cat would read stdin (a terminal when run by hand) and wait.
  key=$({ cat /dev/null "$@" 2>/dev/null || true; } | sha256sum)
  if [[ -f $marker && $(<"$marker") == "$key" ]]; then log "$name: done before, skipping"; return 0; fi
  status running "started"
  "$fn"
  printf '%s\n' "$key" >"$marker"
  status 'done' ""
}

# >>> not shipped: payloads leave this block out (src/plan/nodeProgram.ts); the Job brings it all.
# In-place upgrade of a drained node (docs/lifecycle.md): kubeadm, cri-o if listed, kubelet and
# kubectl, from the Job's $STATE/upgrade/v<VERSION>/downloads.tsv; certs kept. UPGRADE_SKIP: Cilium KPR.
upgrade_kubeadm() {
  local patches=()
  fetch kubeadm "$BIN/kubeadm" 755
  # The spec's kubeadm patches, as init/join read them
  if [[ -d $R/etc/kubernetes/patches ]]; then patches=(--patches "$R/etc/kubernetes/patches"); fi
  if [[ $UPGRADE_MODE == apply ]]; then
    kubeadm upgrade apply "v$UPGRADE_VERSION" --yes --certificate-renewal=false "${patches[@]}" ${UPGRADE_SKIP:+"$UPGRADE_SKIP"}
  else
    kubeadm upgrade node --certificate-renewal=false "${patches[@]}" ${UPGRADE_SKIP:+"$UPGRADE_SKIP"}
  fi
  upgrade_kube_proxy_server
}

# kubeadm's kube-proxy addon (apply; upgrade node on the last control plane) points it at the
# first control plane: back to the localhost proxy, as at boot.
upgrade_kube_proxy_server() {
  local s=${KSPRAY_KUBE_PROXY_SERVER:-${KSPRAY_LOCAL_API_SERVER:-}}
  if [[ -z $s || ${KSPRAY_ACTION:-} == join-worker || -n $UPGRADE_SKIP ]]; then return 0; fi
  export KUBECONFIG=$R/etc/kubernetes/admin.conf KSPRAY_KUBE_PROXY_SERVER=$s
  kubectl -n kube-system get configmap kube-proxy -o yaml | grep -q "server: $s\$" && return 0
  retry "point kube-proxy at $s" 10 30 repoint_kube_proxy
}

# KSPRAY_UPGRADE_PAUSE_IMAGE (Job env): the target's pause image, if it changes.
upgrade_crio() {
  local c=$R/var/cache/kspray i=${KSPRAY_UPGRADE_PAUSE_IMAGE:-}
  [[ $i =~ ^[[:alnum:]./:@_-]*$ ]] || die "bad pause image"
  install_crio "$c"
  rm -rf "$c"
  if [[ -n $i ]]; then sed -i "s#^pause_image = .*#pause_image = \"$i\"#" "$R/etc/crio/crio.conf.d/10-kspray.conf"; fi
  systemctl daemon-reload
  systemctl restart crio
}

upgrade_kubelet() {
  fetch kubelet "$BIN/kubelet" 755
  fetch kubectl "$BIN/kubectl" 755
  systemctl daemon-reload
  systemctl restart kubelet
}

upgrade_main() {
  local env_file=${KSPRAY_ENV_FILE:-$ETC/node.env} dir
  UPGRADE_VERSION=${1:-} UPGRADE_MODE=${2:-} UPGRADE_SKIP=${3:-}
  if [[ ! $UPGRADE_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ || ! $UPGRADE_MODE =~ ^(apply|node)$ || ! $UPGRADE_SKIP =~ ^(--skip-phases=[a-z/,-]+)?$ ]]; then
    echo "usage: ${0##*/} --upgrade X.Y.Z apply|node [--skip-phases=P]" >&2
    exit 2
  fi
  # shellcheck source=/dev/null # node.env: docs/node-contract.md
  if [[ -f $env_file ]]; then source "$env_file"; fi
  if [[ -n ${KSPRAY_NO_PROXY:-} ]]; then export http_proxy=$KSPRAY_HTTP_PROXY https_proxy=$KSPRAY_HTTPS_PROXY no_proxy=$KSPRAY_NO_PROXY; fi
  BIN=$R${KSPRAY_BIN_DIR:-/usr/local/bin}
  PATH=$PATH:${KSPRAY_BIN_DIR:-/usr/local/bin}
  dir=$STATE/upgrade/v$UPGRADE_VERSION
  if [[ ! -f $dir/downloads.tsv ]]; then die "missing ${dir#"$R"}/downloads.tsv"; fi
  # fetch reads $ETC/downloads.tsv: the upgrade's list (node.env is sourced before).
  ETC=$dir
  mkdir -p "$STATE/phases"
  phase "upgrade-$UPGRADE_VERSION-kubeadm" upgrade_kubeadm "$dir/downloads.tsv"
  if [[ ${KSPRAY_CONTAINER_RUNTIME:-} == cri-o ]] && grep -q $'^cri-o\t' "$dir/downloads.tsv"; then
    phase "upgrade-$UPGRADE_VERSION-crio" upgrade_crio "$dir/downloads.tsv"
  fi
  phase "upgrade-$UPGRADE_VERSION-kubelet" upgrade_kubelet "$dir/downloads.tsv"
  date -u +%FT%TZ >"$dir/done"
}
# <<< not shipped

main() {
  local only_install=false env_file=${KSPRAY_ENV_FILE:-$ETC/node.env}
  case ${1:-} in
    --only-install) only_install=true ;;
    # >>> not shipped
    --upgrade) shift; upgrade_main "$@"; return 0 ;;
    # <<< not shipped
    '') ;;
    *) echo "usage: ${0##*/} [--only-install]" >&2; exit 2 ;;
  esac
  # shellcheck source=/dev/null # generated per node (node.env in docs/node-contract.md)
  if [[ -f $env_file ]]; then source "$env_file"; elif ! $only_install; then die "missing $env_file"; fi
  # spec.proxy, for curl, apt-get and kubeadm (KSPRAY_NO_PROXY is never empty when a proxy is set)
  if [[ -n ${KSPRAY_NO_PROXY:-} ]]; then export http_proxy=$KSPRAY_HTTP_PROXY https_proxy=$KSPRAY_HTTPS_PROXY no_proxy=$KSPRAY_NO_PROXY; fi
  case ${KSPRAY_ACTION:-} in
    init | join-control-plane | join-worker | etcd) ;;
    *) $only_install || die "KSPRAY_ACTION must be init, join-control-plane, join-worker or etcd" ;;
  esac
  # Where kubeadm, kubelet, kubectl and crictl go (Flatcar: /opt/bin, /usr is read-only); on PATH
  # for kubeadm (which runs crictl) and for this program, whatever PATH systemd gave the unit.
  BIN=$R${KSPRAY_BIN_DIR:-/usr/local/bin}
  PATH=$PATH:${KSPRAY_BIN_DIR:-/usr/local/bin}
  mkdir -p "$STATE/phases"
  phase prepare-os prepare_os "$R/etc/sysctl.d/99-kubernetes.conf" "$R/etc/modules-load.d/kubernetes.conf"
  # >>> shipped with delivery fetch
  [[ -z ${KSPRAY_SECRETS_URL:-} ]] || $only_install || phase secrets fetch_secrets "$ETC/secrets.sha256"
  # <<< shipped with delivery fetch
  # >>> shipped with delivery aws-secrets-manager
  [[ -z ${KSPRAY_SECRETS_ID:-} ]] || $only_install || phase secrets fetch_secret_aws "$ETC/secrets.sha256"
  # <<< shipped with delivery aws-secrets-manager
  # An external etcd member runs etcd only: no runtime, no kubelet, no join.
  if [[ ${KSPRAY_ACTION:-} == etcd ]] && ! $only_install; then
    phase etcd install_etcd "$ETC/downloads.tsv"
    # >>> shipped with delivery aws-secrets-manager
    [[ ${KSPRAY_SECRETS_DELETE:-} != yes ]] || phase forget-secret forget_secret
    # <<< shipped with delivery aws-secrets-manager
    phase 'done' finish
    return 0
  fi
  phase install-runtime install_runtime "$ETC/downloads.tsv"
  phase install-kubernetes install_kubernetes "$ETC/downloads.tsv"
  if grep -q $'^helm\t' "$ETC/downloads.tsv"; then phase install-helm install_helm "$ETC/downloads.tsv"; fi
  if $only_install; then log "install phases done (--only-install)"; return 0; fi
  # etcd members that also run Kubernetes (Kubespray's etcd layouts): etcd before kubeadm
  if [[ ${KSPRAY_ETCD_MEMBER:-} == yes ]]; then phase etcd install_etcd "$ETC/downloads.tsv"; fi
  if [[ ${KSPRAY_ACTION:-} == init ]]; then
    phase init kubeadm_init
    phase cluster-addons cluster_addons
  else
    phase join kubeadm_join
  fi
  # >>> shipped with delivery aws-secrets-manager
  [[ ${KSPRAY_SECRETS_DELETE:-} != yes ]] || phase forget-secret forget_secret
  # <<< shipped with delivery aws-secrets-manager
  phase 'done' finish
}

main "$@"
