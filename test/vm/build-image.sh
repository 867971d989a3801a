#!/usr/bin/env bash
# Builds the Debian 12 VM image the VM test boots (test/vm/*.test.ts), from Debian's packages:
#   build-image.sh OUT_DIR PACKAGE...
# OUT_DIR gets rootfs.img (ext4, no partition table: root=/dev/vda), vmlinuz and initrd.img (the
# image's own kernel, for qemu's direct kernel boot). Needs root (debootstrap, chroot).
# The Debian mirror is the one this machine's apt uses (read here, never written into the repo);
# KSPRAY_VM_MIRROR overrides it. The caller caches OUT_DIR by a hash of this script and the packages.
set -Eeuo pipefail
out=$1
shift
packages=("$@")
suite=bookworm

# The first ".../debian" URI of this machine's apt sources (deb822 .sources or one-line .list).
host_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:.*\/debian\/?$/) { print $i; exit } }' "$f"
  done
}
mirror=${KSPRAY_VM_MIRROR:-$(host_mirror | head -n 1)}
if [[ -z $mirror ]]; then
  echo "build-image: no Debian mirror in /etc/apt/sources.list* (set KSPRAY_VM_MIRROR)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kspray-vm-image.XXXXXX")
cleanup() {
  # debootstrap mounts /proc and /sys in the chroot and a failed run may leave them: unmount
  # everything under the work dir, and remove nothing while any mount remains.
  local m
  for m in $(awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" || true; done
  if awk -v w="$work/" 'index($2, w) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    echo "build-image: mounts remain under $work, not removing it" >&2
    return
  fi
  rm -rf "$work"
}
trap cleanup EXIT
root=$work/root
mkdir -p "$out"

start=$SECONDS
include=$(
  IFS=,
  echo "${packages[*]}"
)
echo "build-image: debootstrap $suite from $mirror with: ${packages[*]}"
# KSPRAY_VM_DEB_CACHE: where downloaded .debs are kept between builds on this machine.
cache_args=()
if [[ -n ${KSPRAY_VM_DEB_CACHE:-} ]]; then
  mkdir -p "$KSPRAY_VM_DEB_CACHE"
  cache_args=(--cache-dir="$KSPRAY_VM_DEB_CACHE")
fi
debootstrap --variant=minbase --components=main "${cache_args[@]}" --include="$include" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2
  exit 1
}
echo "build-image: debootstrap took $((SECONDS - start))s"

# Some maintainer scripts and update-initramfs read /proc (unmounted again by cleanup).
mount -t proc proc "$root/proc"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"; }

# cloud-init's locale module sets en_US.UTF-8 (Debian's default); it fails unless that locale exists.
echo 'en_US.UTF-8 UTF-8' >"$root/etc/locale.gen"
in_root locale-gen >/dev/null
echo 'LANG=en_US.UTF-8' >"$root/etc/default/locale"

# debootstrap configures packages in an order that can leave cloud-init half-configured: finish it.
in_root dpkg --configure -a

# A small initrd with only what mounts the virtio root disk: unpacking and probing Debian's full
# initrd (MODULES=most) costs half a minute of every TCG boot.
echo 'MODULES=list' >"$root/etc/initramfs-tools/conf.d/kspray-vm.conf"
printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic >>"$root/etc/initramfs-tools/modules"
in_root update-initramfs -u -k all >/dev/null

cat >"$root/etc/fstab" <<'FSTAB'
/dev/vda / ext4 defaults,errors=remount-ro 0 1
/swapfile none swap sw 0 0
FSTAB
# A swap file the node program must turn off. Filled with non-zero bytes: mkfs.ext4 -d stores
# zero blocks as holes, and swapon refuses a file with holes.
head -c $((64 * 1024 * 1024)) /dev/zero | tr '\0' '\125' >"$root/swapfile"
chmod 600 "$root/swapfile"
mkswap "$root/swapfile" >/dev/null

echo kspray-vm >"$root/etc/hostname"
# Only the NoCloud seed: no network metadata service exists behind the restricted network.
# Host keys: one fast type (RSA key generation takes long under TCG).
cat >"$root/etc/cloud/cloud.cfg.d/90-kspray-vm.cfg" <<'CFG'
datasource_list: [NoCloud, None]
ssh_genkeytypes: [ed25519]
CFG
# The guest reaches no Debian mirror: no sources, so apt-get update has nothing to fetch and
# apt-get install of the packages already in the image is a no-op (as prepare-os expects).
: >"$root/etc/apt/sources.list"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
# Nothing else may run apt or wait for a network in the background.
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$u"
done

# The test's probe (test infrastructure, not part of any payload): talks to the test over ttyS1.
install -m 0755 "$(dirname "$0")/guest-probe.sh" "$root/usr/local/sbin/kspray-vm-probe"
cat >"$root/etc/systemd/system/kspray-vm-probe.service" <<'UNIT'
[Unit]
Description=kspray VM test probe (reports to the test over ttyS1)
DefaultDependencies=no
After=local-fs.target
[Service]
Type=simple
ExecStart=/usr/local/sbin/kspray-vm-probe /dev/ttyS1
[Install]
WantedBy=sysinit.target
UNIT
mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
ln -sf /etc/systemd/system/kspray-vm-probe.service "$root/etc/systemd/system/sysinit.target.wants/kspray-vm-probe.service"

umount "$root/proc"
cp -L "$root/vmlinuz" "$out/vmlinuz.tmp" 2>/dev/null || cp "$root"/boot/vmlinuz-* "$out/vmlinuz.tmp"
cp -L "$root/initrd.img" "$out/initrd.img.tmp" 2>/dev/null || cp "$root"/boot/initrd.img-* "$out/initrd.img.tmp"
chmod 644 "$out/vmlinuz.tmp" "$out/initrd.img.tmp"

rm -f "$out/rootfs.img.tmp"
mkfs.ext4 -q -L kspray-root -d "$root" "$out/rootfs.img.tmp" 3G
mv -f "$out/vmlinuz.tmp" "$out/vmlinuz"
mv -f "$out/initrd.img.tmp" "$out/initrd.img"
mv -f "$out/rootfs.img.tmp" "$out/rootfs.img"
echo "build-image: done in $((SECONDS - start))s"
