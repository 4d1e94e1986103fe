;; Poly1305 one-time authenticator (RFC 8439 section 2.5), hand-written WebAssembly.
;;
;; Compiled by scripts/build-wasm.mjs into src/crypto/poly1305-wasm.ts (base64); after
;; editing this file run `node scripts/build-wasm.mjs` and commit both files.
;;
;; Representation ("poly1305-donna-32"): the accumulator h and the clamped key r are
;; held as five 26-bit limbs, value = l0 + l1*2^26 + l2*2^52 + l3*2^78 + l4*2^104.
;; Limb products are formed with i64.mul (operands < 2^32, so a product is < 2^64 and a
;; sum of five is far below 2^64).  Reduction mod p = 2^130 - 5 uses 2^130 == 5 (mod p),
;; so the limb products that land at 2^130 and above are folded back multiplied by 5:
;; s_i = 5 * r_i is precomputed.
;;
;; Memory layout (all offsets fixed; the JS wrapper relies on them):
;;      0 ..  32   key scratch (the wrapper copies the 32-byte one-time key here)
;;     32 ..  48   tag scratch (the wrapper asks for the tag here)
;;     64 ..  84   r0..r4   (i32 each)
;;     84 .. 100   s1..s4   (i32 each, 5 * r_i)
;;    100 .. 120   h0..h4   (i32 each; limbs may exceed 26 bits slightly between blocks)
;;    120 .. 136   pad s    (the second key half, little-endian 128-bit number)
;;    136 .. 140   number of bytes buffered in buf (0..15)
;;    144 .. 160   buf      (partial-block buffer used by the streaming API)
;;    256 ..       message area (the wrapper copies messages here; it grows memory when a
;;                 message does not fit)
;;
;; Exports:
;;   mac(keyPtr, msgPtr, len, outPtr)   one call: init + update + finish
;;   init(keyPtr)                       start a MAC with the 32-byte key at keyPtr
;;   update(msgPtr, len)                absorb len bytes (any length; buffers partial blocks)
;;   finish(outPtr)                     pad the final partial block (0x01 then zeros, no
;;                                      2^128 bit), write the 16-byte tag, wipe the state
;; Only one MAC can be in progress at a time (the state lives at a fixed place).
(module
  (memory (export "memory") 5)

  (global $R i32 (i32.const 64))
  (global $S i32 (i32.const 84))
  (global $H i32 (i32.const 100))
  (global $PAD i32 (i32.const 120))
  (global $LEFT i32 (i32.const 136))
  (global $BUF i32 (i32.const 144))

  ;; Absorb the 16-byte blocks in [m, end) (end - m must be a multiple of 16).
  ;; hibit is 1<<24 (the 2^128 bit, seen from limb 4) for full message blocks and 0 for the
  ;; already padded final partial block.
  (func $blocks (param $m i32) (param $end i32) (param $hibit i64)
    (local $r0 i64) (local $r1 i64) (local $r2 i64) (local $r3 i64) (local $r4 i64)
    (local $s1 i64) (local $s2 i64) (local $s3 i64) (local $s4 i64)
    (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64)
    (local $d0 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64) (local $d4 i64)
    (local $c i64)

    (local.set $r0 (i64.load32_u offset=0 (global.get $R)))
    (local.set $r1 (i64.load32_u offset=4 (global.get $R)))
    (local.set $r2 (i64.load32_u offset=8 (global.get $R)))
    (local.set $r3 (i64.load32_u offset=12 (global.get $R)))
    (local.set $r4 (i64.load32_u offset=16 (global.get $R)))
    (local.set $s1 (i64.load32_u offset=0 (global.get $S)))
    (local.set $s2 (i64.load32_u offset=4 (global.get $S)))
    (local.set $s3 (i64.load32_u offset=8 (global.get $S)))
    (local.set $s4 (i64.load32_u offset=12 (global.get $S)))
    (local.set $h0 (i64.load32_u offset=0 (global.get $H)))
    (local.set $h1 (i64.load32_u offset=4 (global.get $H)))
    (local.set $h2 (i64.load32_u offset=8 (global.get $H)))
    (local.set $h3 (i64.load32_u offset=12 (global.get $H)))
    (local.set $h4 (i64.load32_u offset=16 (global.get $H)))

    (block $done
      (br_if $done (i32.ge_u (local.get $m) (local.get $end)))
      (loop $next
        ;; h += m (the block as five 26-bit limbs, read with unaligned 32-bit loads at
        ;; byte offsets 0, 3, 6, 9, 12 = bit offsets 0, 24, 48, 72, 96)
        (local.set $h0 (i64.add (local.get $h0)
          (i64.and (i64.load32_u offset=0 (local.get $m)) (i64.const 0x3ffffff))))
        (local.set $h1 (i64.add (local.get $h1)
          (i64.and (i64.shr_u (i64.load32_u offset=3 (local.get $m)) (i64.const 2)) (i64.const 0x3ffffff))))
        (local.set $h2 (i64.add (local.get $h2)
          (i64.and (i64.shr_u (i64.load32_u offset=6 (local.get $m)) (i64.const 4)) (i64.const 0x3ffffff))))
        (local.set $h3 (i64.add (local.get $h3)
          (i64.and (i64.shr_u (i64.load32_u offset=9 (local.get $m)) (i64.const 6)) (i64.const 0x3ffffff))))
        (local.set $h4 (i64.add (local.get $h4)
          (i64.or (i64.shr_u (i64.load32_u offset=12 (local.get $m)) (i64.const 8)) (local.get $hibit))))

        ;; d = h * r (mod p, partially)
        (local.set $d0
          (i64.add
            (i64.add
              (i64.add (i64.mul (local.get $h0) (local.get $r0)) (i64.mul (local.get $h1) (local.get $s4)))
              (i64.add (i64.mul (local.get $h2) (local.get $s3)) (i64.mul (local.get $h3) (local.get $s2))))
            (i64.mul (local.get $h4) (local.get $s1))))
        (local.set $d1
          (i64.add
            (i64.add
              (i64.add (i64.mul (local.get $h0) (local.get $r1)) (i64.mul (local.get $h1) (local.get $r0)))
              (i64.add (i64.mul (local.get $h2) (local.get $s4)) (i64.mul (local.get $h3) (local.get $s3))))
            (i64.mul (local.get $h4) (local.get $s2))))
        (local.set $d2
          (i64.add
            (i64.add
              (i64.add (i64.mul (local.get $h0) (local.get $r2)) (i64.mul (local.get $h1) (local.get $r1)))
              (i64.add (i64.mul (local.get $h2) (local.get $r0)) (i64.mul (local.get $h3) (local.get $s4))))
            (i64.mul (local.get $h4) (local.get $s3))))
        (local.set $d3
          (i64.add
            (i64.add
              (i64.add (i64.mul (local.get $h0) (local.get $r3)) (i64.mul (local.get $h1) (local.get $r2)))
              (i64.add (i64.mul (local.get $h2) (local.get $r1)) (i64.mul (local.get $h3) (local.get $r0))))
            (i64.mul (local.get $h4) (local.get $s4))))
        (local.set $d4
          (i64.add
            (i64.add
              (i64.add (i64.mul (local.get $h0) (local.get $r4)) (i64.mul (local.get $h1) (local.get $r3)))
              (i64.add (i64.mul (local.get $h2) (local.get $r2)) (i64.mul (local.get $h3) (local.get $r1))))
            (i64.mul (local.get $h4) (local.get $r0))))

        ;; carry propagation back to ~26-bit limbs
        (local.set $c (i64.shr_u (local.get $d0) (i64.const 26)))
        (local.set $h0 (i64.and (local.get $d0) (i64.const 0x3ffffff)))
        (local.set $d1 (i64.add (local.get $d1) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d1) (i64.const 26)))
        (local.set $h1 (i64.and (local.get $d1) (i64.const 0x3ffffff)))
        (local.set $d2 (i64.add (local.get $d2) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d2) (i64.const 26)))
        (local.set $h2 (i64.and (local.get $d2) (i64.const 0x3ffffff)))
        (local.set $d3 (i64.add (local.get $d3) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d3) (i64.const 26)))
        (local.set $h3 (i64.and (local.get $d3) (i64.const 0x3ffffff)))
        (local.set $d4 (i64.add (local.get $d4) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d4) (i64.const 26)))
        (local.set $h4 (i64.and (local.get $d4) (i64.const 0x3ffffff)))
        (local.set $h0 (i64.add (local.get $h0) (i64.mul (local.get $c) (i64.const 5))))
        (local.set $c (i64.shr_u (local.get $h0) (i64.const 26)))
        (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
        (local.set $h1 (i64.add (local.get $h1) (local.get $c)))

        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $m) (local.get $end)))
      )
    )

    (i64.store32 offset=0 (global.get $H) (local.get $h0))
    (i64.store32 offset=4 (global.get $H) (local.get $h1))
    (i64.store32 offset=8 (global.get $H) (local.get $h2))
    (i64.store32 offset=12 (global.get $H) (local.get $h3))
    (i64.store32 offset=16 (global.get $H) (local.get $h4))
  )

  (func $init (export "init") (param $k i32)
    (local $lo i64) (local $hi i64)
    (local $r0 i64) (local $r1 i64) (local $r2 i64) (local $r3 i64) (local $r4 i64)
    ;; r = le128(k[0..16]) & 0x0ffffffc0ffffffc0ffffffc0fffffff
    (local.set $lo (i64.and (i64.load offset=0 (local.get $k)) (i64.const 0x0ffffffc0fffffff)))
    (local.set $hi (i64.and (i64.load offset=8 (local.get $k)) (i64.const 0x0ffffffc0ffffffc)))
    (local.set $r0 (i64.and (local.get $lo) (i64.const 0x3ffffff)))
    (local.set $r1 (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff)))
    (local.set $r2 (i64.and
      (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
      (i64.const 0x3ffffff)))
    (local.set $r3 (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff)))
    (local.set $r4 (i64.shr_u (local.get $hi) (i64.const 40)))
    (i64.store32 offset=0 (global.get $R) (local.get $r0))
    (i64.store32 offset=4 (global.get $R) (local.get $r1))
    (i64.store32 offset=8 (global.get $R) (local.get $r2))
    (i64.store32 offset=12 (global.get $R) (local.get $r3))
    (i64.store32 offset=16 (global.get $R) (local.get $r4))
    (i64.store32 offset=0 (global.get $S) (i64.mul (local.get $r1) (i64.const 5)))
    (i64.store32 offset=4 (global.get $S) (i64.mul (local.get $r2) (i64.const 5)))
    (i64.store32 offset=8 (global.get $S) (i64.mul (local.get $r3) (i64.const 5)))
    (i64.store32 offset=12 (global.get $S) (i64.mul (local.get $r4) (i64.const 5)))
    ;; h = 0
    (i64.store offset=0 (global.get $H) (i64.const 0))
    (i64.store offset=8 (global.get $H) (i64.const 0))
    (i32.store offset=16 (global.get $H) (i32.const 0))
    ;; pad = k[16..32]
    (i64.store offset=0 (global.get $PAD) (i64.load offset=16 (local.get $k)))
    (i64.store offset=8 (global.get $PAD) (i64.load offset=24 (local.get $k)))
    (i32.store (global.get $LEFT) (i32.const 0))
  )

  (func $update (export "update") (param $m i32) (param $len i32)
    (local $left i32) (local $take i32) (local $full i32)
    (local.set $left (i32.load (global.get $LEFT)))
    ;; top up a buffered partial block first
    (if (local.get $left)
      (then
        (local.set $take (i32.sub (i32.const 16) (local.get $left)))
        (if (i32.gt_u (local.get $take) (local.get $len))
          (then (local.set $take (local.get $len))))
        (memory.copy (i32.add (global.get $BUF) (local.get $left)) (local.get $m) (local.get $take))
        (local.set $left (i32.add (local.get $left) (local.get $take)))
        (local.set $m (i32.add (local.get $m) (local.get $take)))
        (local.set $len (i32.sub (local.get $len) (local.get $take)))
        (if (i32.lt_u (local.get $left) (i32.const 16))
          (then
            (i32.store (global.get $LEFT) (local.get $left))
            (return)))
        (call $blocks (global.get $BUF) (i32.add (global.get $BUF) (i32.const 16)) (i64.const 0x1000000))))
    ;; whole blocks straight from the input
    (local.set $full (i32.and (local.get $len) (i32.const -16)))
    (if (local.get $full)
      (then
        (call $blocks (local.get $m) (i32.add (local.get $m) (local.get $full)) (i64.const 0x1000000))))
    ;; keep the tail for later
    (local.set $m (i32.add (local.get $m) (local.get $full)))
    (local.set $len (i32.sub (local.get $len) (local.get $full)))
    (memory.copy (global.get $BUF) (local.get $m) (local.get $len))
    (i32.store (global.get $LEFT) (local.get $len))
  )

  (func $finish (export "finish") (param $out i32)
    (local $left i32)
    (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64)
    (local $g0 i64) (local $g1 i64) (local $g2 i64) (local $g3 i64) (local $g4 i64)
    (local $c i64) (local $mask i64) (local $acc i64)

    ;; final partial block: append 0x01, zero-fill to 16 bytes, absorb without the 2^128 bit
    (local.set $left (i32.load (global.get $LEFT)))
    (if (local.get $left)
      (then
        (i32.store8 (i32.add (global.get $BUF) (local.get $left)) (i32.const 1))
        (memory.fill
          (i32.add (i32.add (global.get $BUF) (local.get $left)) (i32.const 1))
          (i32.const 0)
          (i32.sub (i32.const 15) (local.get $left)))
        (call $blocks (global.get $BUF) (i32.add (global.get $BUF) (i32.const 16)) (i64.const 0))))

    (local.set $h0 (i64.load32_u offset=0 (global.get $H)))
    (local.set $h1 (i64.load32_u offset=4 (global.get $H)))
    (local.set $h2 (i64.load32_u offset=8 (global.get $H)))
    (local.set $h3 (i64.load32_u offset=12 (global.get $H)))
    (local.set $h4 (i64.load32_u offset=16 (global.get $H)))

    ;; full carry: afterwards h < 2^130 (limb h1 may still be 2^26; harmless below)
    (local.set $c (i64.shr_u (local.get $h1) (i64.const 26)))
    (local.set $h1 (i64.and (local.get $h1) (i64.const 0x3ffffff)))
    (local.set $h2 (i64.add (local.get $h2) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h2) (i64.const 26)))
    (local.set $h2 (i64.and (local.get $h2) (i64.const 0x3ffffff)))
    (local.set $h3 (i64.add (local.get $h3) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h3) (i64.const 26)))
    (local.set $h3 (i64.and (local.get $h3) (i64.const 0x3ffffff)))
    (local.set $h4 (i64.add (local.get $h4) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h4) (i64.const 26)))
    (local.set $h4 (i64.and (local.get $h4) (i64.const 0x3ffffff)))
    (local.set $h0 (i64.add (local.get $h0) (i64.mul (local.get $c) (i64.const 5))))
    (local.set $c (i64.shr_u (local.get $h0) (i64.const 26)))
    (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
    (local.set $h1 (i64.add (local.get $h1) (local.get $c)))

    ;; g = h + 5 - 2^130 = h - p, normalized; g4 < 0 exactly when h < p
    (local.set $g0 (i64.add (local.get $h0) (i64.const 5)))
    (local.set $c (i64.shr_u (local.get $g0) (i64.const 26)))
    (local.set $g0 (i64.and (local.get $g0) (i64.const 0x3ffffff)))
    (local.set $g1 (i64.add (local.get $h1) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g1) (i64.const 26)))
    (local.set $g1 (i64.and (local.get $g1) (i64.const 0x3ffffff)))
    (local.set $g2 (i64.add (local.get $h2) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g2) (i64.const 26)))
    (local.set $g2 (i64.and (local.get $g2) (i64.const 0x3ffffff)))
    (local.set $g3 (i64.add (local.get $h3) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g3) (i64.const 26)))
    (local.set $g3 (i64.and (local.get $g3) (i64.const 0x3ffffff)))
    (local.set $g4 (i64.sub (i64.add (local.get $h4) (local.get $c)) (i64.const 0x4000000)))

    ;; constant-time select: mask = all ones if h < p (keep h), else 0 (take g)
    (local.set $mask (i64.shr_s (local.get $g4) (i64.const 63)))
    (local.set $h0 (i64.or (i64.and (local.get $h0) (local.get $mask))
                           (i64.and (local.get $g0) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h1 (i64.or (i64.and (local.get $h1) (local.get $mask))
                           (i64.and (local.get $g1) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h2 (i64.or (i64.and (local.get $h2) (local.get $mask))
                           (i64.and (local.get $g2) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h3 (i64.or (i64.and (local.get $h3) (local.get $mask))
                           (i64.and (local.get $g3) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h4 (i64.or (i64.and (local.get $h4) (local.get $mask))
                           (i64.and (local.get $g4) (i64.xor (local.get $mask) (i64.const -1)))))

    ;; tag = (h + pad) mod 2^128, produced 32 bits at a time.  acc always holds the
    ;; not-yet-emitted bits of the sum; adding limbs (rather than OR-ing them) makes this
    ;; correct even if a limb is not normalized.
    (local.set $acc (i64.add (i64.add (local.get $h0) (i64.shl (local.get $h1) (i64.const 26)))
                             (i64.load32_u offset=0 (global.get $PAD))))
    (i64.store32 offset=0 (local.get $out) (local.get $acc))
    (local.set $acc (i64.add (i64.add (i64.shr_u (local.get $acc) (i64.const 32))
                                      (i64.shl (local.get $h2) (i64.const 20)))
                             (i64.load32_u offset=4 (global.get $PAD))))
    (i64.store32 offset=4 (local.get $out) (local.get $acc))
    (local.set $acc (i64.add (i64.add (i64.shr_u (local.get $acc) (i64.const 32))
                                      (i64.shl (local.get $h3) (i64.const 14)))
                             (i64.load32_u offset=8 (global.get $PAD))))
    (i64.store32 offset=8 (local.get $out) (local.get $acc))
    (local.set $acc (i64.add (i64.add (i64.shr_u (local.get $acc) (i64.const 32))
                                      (i64.shl (local.get $h4) (i64.const 8)))
                             (i64.load32_u offset=12 (global.get $PAD))))
    (i64.store32 offset=12 (local.get $out) (local.get $acc))

    ;; wipe r, s, h, pad and the buffer (not the tag, which may have been written at
    ;; an address inside the scratch areas)
    (memory.fill (global.get $R) (i32.const 0) (i32.const 96))
  )

  (func (export "mac") (param $k i32) (param $m i32) (param $len i32) (param $out i32)
    (call $init (local.get $k))
    (call $update (local.get $m) (local.get $len))
    (call $finish (local.get $out))
  )
)
