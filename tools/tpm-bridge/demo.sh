#!/usr/bin/env bash
# Run tools/tpm-bridge/demo-guest.c (the TPM transports of tpm/, built
# unchanged into a 32-bit multiboot1 guest) against real device models:
#
#   tools/tpm-bridge/demo.sh bochs     tpm/bridge.c on Bochs's COM2
#                                      (socket-client) -> sdm-tpm-bridge
#                                      -> swtpm; needs build/bin/sdm-tpm-bridge
#   tools/tpm-bridge/demo.sh qemu-tis  tpm/tis.c on QEMU's tpm-tis -> swtpm
#   tools/tpm-bridge/demo.sh qemu-crb  tpm/crb.c on QEMU's tpm-crb -> swtpm
#
# Pass: the guest prints "[tpm-demo] PASS" on port 0xE9. For bochs also:
# the bridge exits 0 when Bochs disconnects, and tpm2_pcrread then shows
# PCR 17 = SHA-256(32 zero bytes || SHA-256(data)) for the guest's data.
# Artefacts in $OUT (default build/tpm-demo/MODE). Exit 0 pass, 1 fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:-bochs}
OUT=${OUT:-build/tpm-demo/$MODE}
BRIDGE=${SDM_TPM_BRIDGE:-build/bin/sdm-tpm-bridge}
TIMEOUT=${TIMEOUT:-120}
SWTPM_PID= BRIDGE_PID= EMU_PID=

cleanup() {
	local p
	for p in $EMU_PID $BRIDGE_PID $SWTPM_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
fail() {
	echo "demo $MODE: FAIL: $*" >&2
	exit 1
}
case $MODE in
bochs | qemu-tis | qemu-crb) ;;
*) fail "mode is bochs, qemu-tis or qemu-crb" ;;
esac

rm -rf "$OUT"
mkdir -p "$OUT/obj" "$OUT/iso/boot/grub" "$OUT/tpm"
OUT=$(cd "$OUT" && pwd)

# The guest: 32-bit, freestanding, tpm/*.c and the project's libc.
CFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter
	-ffreestanding -nostdinc -fno-builtin -fno-pic -fno-pie
	-fno-stack-protector -fno-asynchronous-unwind-tables -m32
	-march=i686 -mno-sse -mno-mmx -Iinclude/libc -Iinclude -I.)
for src in tools/tpm-bridge/demo-guest.c tpm/bridge.c tpm/tis.c tpm/crb.c \
	lib/err.c lib/memrange.c lib/freestanding/fmt.c lib/freestanding/libc.c; do
	gcc "${CFLAGS[@]}" -c "$src" -o "$OUT/obj/$(basename "$src" .c).o"
done
ELF=$OUT/iso/boot/demo.elf
ld -m elf_i386 -nostdlib -static -z noexecstack --build-id=none \
	-T tools/tpm-bridge/demo-guest.ld -o "$ELF" "$OUT"/obj/*.o

start=$(date +%s.%N)
if [[ $MODE == bochs ]]; then
	[[ -x $BRIDGE ]] || fail "$BRIDGE missing (make build/bin/sdm-tpm-bridge)"
	cat >"$OUT/iso/boot/grub/grub.cfg" <<-EOF
		set timeout=0
		menuentry "tpm demo" {
			multiboot /boot/demo.elf transport=bridge pmtmr=0xb008
			boot
		}
	EOF
	grub-mkrescue --install-modules="normal multiboot boot" -o "$OUT/demo.iso" \
		"$OUT/iso" >"$OUT/grub-mkrescue.log" 2>&1 ||
		fail "grub-mkrescue: see $OUT/grub-mkrescue.log"
	# swtpm on two free consecutive ports.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		P=$(shuf -i 20000-60000 -n 1)
		ss -ltn | grep -qE ":($P|$((P + 1)))\b" || break
	done
	swtpm socket --tpm2 --server type=tcp,port="$P" \
		--ctrl type=tcp,port=$((P + 1)) --tpmstate dir="$OUT/tpm" \
		--flags not-need-init >"$OUT/swtpm.log" 2>&1 &
	SWTPM_PID=$!
	"$BRIDGE" --listen 0 --port-file "$OUT/bridge.port" --tpm "127.0.0.1:$P" \
		--ctrl "127.0.0.1:$((P + 1))" --log "$OUT/bridge.log" &
	BRIDGE_PID=$!
	for _ in $(seq 100); do
		[[ -s $OUT/bridge.port ]] && break
		kill -0 "$BRIDGE_PID" 2>/dev/null || fail "bridge exited: $(cat "$OUT/bridge.log")"
		sleep 0.05
	done
	[[ -s $OUT/bridge.port ]] || fail "bridge did not listen"
	cat >"$OUT/bochsrc" <<-EOF
		display_library: rfb, options="timeout=0"
		memory: guest=64, host=64
		cpu: model=corei7_skylake_x, count=1, ips=50000000, reset_on_triple_fault=0
		romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
		vgaromimage: file=/usr/share/vgabios/vgabios.bin
		ata0-master: type=cdrom, path="$OUT/demo.iso", status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev="$OUT/serial.log"
		com2: enabled=1, mode=socket-client, dev=localhost:$(cat "$OUT/bridge.port")
		clock: sync=none, time0=utc
		port_e9_hack: enabled=1
		panic: action=fatal
		log: "$OUT/bochs.log"
	EOF
	echo c >"$OUT/cont.rc"
	(cd "$OUT" && exec timeout -s KILL "$TIMEOUT" bochs-bin -q -f bochsrc \
		-rc cont.rc </dev/null >e9.log 2>&1) &
else
	swtpm socket --tpm2 --tpmstate dir="$OUT/tpm" \
		--ctrl type=unixio,path="$OUT/tpm/sock" >"$OUT/swtpm.log" 2>&1 &
	SWTPM_PID=$!
	for _ in $(seq 100); do
		[[ -S $OUT/tpm/sock ]] && break
		sleep 0.05
	done
	[[ -S $OUT/tpm/sock ]] || fail "swtpm did not create its socket"
	timeout -s KILL "$TIMEOUT" qemu-system-x86_64 -machine q35 -accel tcg \
		-m 128 -nic none -display none -no-reboot -serial none \
		-kernel "$ELF" -append "transport=${MODE#qemu-} pmtmr=0x608" \
		-chardev socket,id=chrtpm,path="$OUT/tpm/sock" \
		-tpmdev emulator,id=tpm0,chardev=chrtpm \
		-device "tpm-${MODE#qemu-},tpmdev=tpm0" \
		-debugcon file:"$OUT/e9.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		>"$OUT/qemu.out" 2>&1 &
fi
EMU_PID=$!
wait "$EMU_PID" || true
EMU_PID=
end=$(date +%s.%N)

grep -a -E '^(transport|bridge|TPM2|random|expected|D-RTM|PCR17|locality|\[tpm-demo\])' \
	"$OUT/e9.log" || true
printf '%s run (firmware, loader, guest): %.1f s\n' "$MODE" \
	"$(echo "$end - $start" | bc)"
grep -aq '^\[tpm-demo\] PASS' "$OUT/e9.log" || fail "guest did not pass (see $OUT/e9.log)"
if [[ $MODE == bochs ]]; then
	# Bochs has gone: the bridge must notice and exit 0 by itself.
	rc=
	for _ in $(seq 100); do
		if ! kill -0 "$BRIDGE_PID" 2>/dev/null; then
			wait "$BRIDGE_PID" && rc=0 || rc=$?
			break
		fi
		sleep 0.05
	done
	BRIDGE_PID=
	echo "---- bridge.log"
	cat "$OUT/bridge.log"
	[[ $rc == 0 ]] || fail "bridge exit status '${rc:-still running}'"
	want=$(python3 -c '
import hashlib
d = bytes((i * 31 + 7) & 0xff for i in range(5000))
print(hashlib.sha256(bytes(32) + hashlib.sha256(d).digest()).hexdigest().upper())')
	got=$(TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=$P tpm2_pcrread sha256:17 |
		sed -n 's/^ *17: 0x//p')
	echo "tpm2_pcrread PCR 17: $got"
	echo "expected          : $want"
	[[ $got == "$want" ]] || fail "PCR 17 mismatch"
	grep -aqi "pcr17 sha256: $want" "$OUT/e9.log" || fail "guest read another PCR 17"
fi
echo "demo $MODE: PASS"
