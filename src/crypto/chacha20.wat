;; ChaCha20 block function (RFC 8439 section 2.3), hand-written WebAssembly, for the parts of
;; chacha20-poly1305@openssh.com that are too small to be worth a node:crypto cipher context:
;; the 4-byte packet_length (key K_1), the Poly1305 key (block 0 under K_2) and the payload of
;; small packets (window adjustments, requests). Bulk payloads stay with node:crypto.
;;
;; Compiled by scripts/build-wasm.mjs into src/crypto/chacha20-wasm.ts (base64); after editing
;; this file run `node scripts/build-wasm.mjs` and commit both files. src/crypto/chacha20.ts is
;; the JavaScript side; test/crypto/chacha20-wasm.test.ts checks it against node:crypto.
;;
;; State words 12..15 are the 16 bytes at IV read as four little-endian words, the layout of
;; node:crypto's "chacha20" IV (32-bit counter || 96-bit nonce) and, with a zero high counter
;; word, of OpenSSH's original ChaCha20 (64-bit counter || 64-bit nonce). xor() increments
;; word 12 per block and carries into word 13, as OpenSSL does.
;;
;; Memory layout (fixed; the JS wrapper relies on it):
;;      0 ..  32   key (the wrapper copies it in and wipes it after each call)
;;     32 ..  48   IV
;;     64 .. 128   keystream block (output of block())
;;    128 ..       data area for xor() (the rest of the single 64 KiB page)
;;
;; Exports:
;;   block()          one keystream block for KEY/IV at OUT (the IV is not advanced)
;;   xor(ptr, len)    XORs len bytes at ptr with the keystream from KEY/IV, advancing the counter
;;   wipe()           zeroes key, IV and keystream
(module
  (memory (export "memory") 1)

  (global $KEY i32 (i32.const 0))
  (global $IV i32 (i32.const 32))
  (global $OUT i32 (i32.const 64))

  (func $block (export "block")
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $x4 i32) (local $x5 i32) (local $x6 i32) (local $x7 i32) (local $x8 i32) (local $x9 i32) (local $x10 i32) (local $x11 i32) (local $x12 i32) (local $x13 i32) (local $x14 i32) (local $x15 i32)
    (local $i i32)
    (local.set $x0 (i32.const 0x61707865))
    (local.set $x1 (i32.const 0x3320646e))
    (local.set $x2 (i32.const 0x79622d32))
    (local.set $x3 (i32.const 0x6b206574))
    (local.set $x4 (i32.load offset=0 (global.get $KEY)))
    (local.set $x5 (i32.load offset=4 (global.get $KEY)))
    (local.set $x6 (i32.load offset=8 (global.get $KEY)))
    (local.set $x7 (i32.load offset=12 (global.get $KEY)))
    (local.set $x8 (i32.load offset=16 (global.get $KEY)))
    (local.set $x9 (i32.load offset=20 (global.get $KEY)))
    (local.set $x10 (i32.load offset=24 (global.get $KEY)))
    (local.set $x11 (i32.load offset=28 (global.get $KEY)))
    (local.set $x12 (i32.load offset=0 (global.get $IV)))
    (local.set $x13 (i32.load offset=4 (global.get $IV)))
    (local.set $x14 (i32.load offset=8 (global.get $IV)))
    (local.set $x15 (i32.load offset=12 (global.get $IV)))
    (local.set $i (i32.const 10))
    (loop $rounds
      ;; column round
      ;; QR(0, 4, 8, 12)
      (local.set $x0 (i32.add (local.get $x0) (local.get $x4)))
      (local.set $x12 (i32.rotl (i32.xor (local.get $x12) (local.get $x0)) (i32.const 16)))
      (local.set $x8 (i32.add (local.get $x8) (local.get $x12)))
      (local.set $x4 (i32.rotl (i32.xor (local.get $x4) (local.get $x8)) (i32.const 12)))
      (local.set $x0 (i32.add (local.get $x0) (local.get $x4)))
      (local.set $x12 (i32.rotl (i32.xor (local.get $x12) (local.get $x0)) (i32.const 8)))
      (local.set $x8 (i32.add (local.get $x8) (local.get $x12)))
      (local.set $x4 (i32.rotl (i32.xor (local.get $x4) (local.get $x8)) (i32.const 7)))
      ;; QR(1, 5, 9, 13)
      (local.set $x1 (i32.add (local.get $x1) (local.get $x5)))
      (local.set $x13 (i32.rotl (i32.xor (local.get $x13) (local.get $x1)) (i32.const 16)))
      (local.set $x9 (i32.add (local.get $x9) (local.get $x13)))
      (local.set $x5 (i32.rotl (i32.xor (local.get $x5) (local.get $x9)) (i32.const 12)))
      (local.set $x1 (i32.add (local.get $x1) (local.get $x5)))
      (local.set $x13 (i32.rotl (i32.xor (local.get $x13) (local.get $x1)) (i32.const 8)))
      (local.set $x9 (i32.add (local.get $x9) (local.get $x13)))
      (local.set $x5 (i32.rotl (i32.xor (local.get $x5) (local.get $x9)) (i32.const 7)))
      ;; QR(2, 6, 10, 14)
      (local.set $x2 (i32.add (local.get $x2) (local.get $x6)))
      (local.set $x14 (i32.rotl (i32.xor (local.get $x14) (local.get $x2)) (i32.const 16)))
      (local.set $x10 (i32.add (local.get $x10) (local.get $x14)))
      (local.set $x6 (i32.rotl (i32.xor (local.get $x6) (local.get $x10)) (i32.const 12)))
      (local.set $x2 (i32.add (local.get $x2) (local.get $x6)))
      (local.set $x14 (i32.rotl (i32.xor (local.get $x14) (local.get $x2)) (i32.const 8)))
      (local.set $x10 (i32.add (local.get $x10) (local.get $x14)))
      (local.set $x6 (i32.rotl (i32.xor (local.get $x6) (local.get $x10)) (i32.const 7)))
      ;; QR(3, 7, 11, 15)
      (local.set $x3 (i32.add (local.get $x3) (local.get $x7)))
      (local.set $x15 (i32.rotl (i32.xor (local.get $x15) (local.get $x3)) (i32.const 16)))
      (local.set $x11 (i32.add (local.get $x11) (local.get $x15)))
      (local.set $x7 (i32.rotl (i32.xor (local.get $x7) (local.get $x11)) (i32.const 12)))
      (local.set $x3 (i32.add (local.get $x3) (local.get $x7)))
      (local.set $x15 (i32.rotl (i32.xor (local.get $x15) (local.get $x3)) (i32.const 8)))
      (local.set $x11 (i32.add (local.get $x11) (local.get $x15)))
      (local.set $x7 (i32.rotl (i32.xor (local.get $x7) (local.get $x11)) (i32.const 7)))
      ;; diagonal round
      ;; QR(0, 5, 10, 15)
      (local.set $x0 (i32.add (local.get $x0) (local.get $x5)))
      (local.set $x15 (i32.rotl (i32.xor (local.get $x15) (local.get $x0)) (i32.const 16)))
      (local.set $x10 (i32.add (local.get $x10) (local.get $x15)))
      (local.set $x5 (i32.rotl (i32.xor (local.get $x5) (local.get $x10)) (i32.const 12)))
      (local.set $x0 (i32.add (local.get $x0) (local.get $x5)))
      (local.set $x15 (i32.rotl (i32.xor (local.get $x15) (local.get $x0)) (i32.const 8)))
      (local.set $x10 (i32.add (local.get $x10) (local.get $x15)))
      (local.set $x5 (i32.rotl (i32.xor (local.get $x5) (local.get $x10)) (i32.const 7)))
      ;; QR(1, 6, 11, 12)
      (local.set $x1 (i32.add (local.get $x1) (local.get $x6)))
      (local.set $x12 (i32.rotl (i32.xor (local.get $x12) (local.get $x1)) (i32.const 16)))
      (local.set $x11 (i32.add (local.get $x11) (local.get $x12)))
      (local.set $x6 (i32.rotl (i32.xor (local.get $x6) (local.get $x11)) (i32.const 12)))
      (local.set $x1 (i32.add (local.get $x1) (local.get $x6)))
      (local.set $x12 (i32.rotl (i32.xor (local.get $x12) (local.get $x1)) (i32.const 8)))
      (local.set $x11 (i32.add (local.get $x11) (local.get $x12)))
      (local.set $x6 (i32.rotl (i32.xor (local.get $x6) (local.get $x11)) (i32.const 7)))
      ;; QR(2, 7, 8, 13)
      (local.set $x2 (i32.add (local.get $x2) (local.get $x7)))
      (local.set $x13 (i32.rotl (i32.xor (local.get $x13) (local.get $x2)) (i32.const 16)))
      (local.set $x8 (i32.add (local.get $x8) (local.get $x13)))
      (local.set $x7 (i32.rotl (i32.xor (local.get $x7) (local.get $x8)) (i32.const 12)))
      (local.set $x2 (i32.add (local.get $x2) (local.get $x7)))
      (local.set $x13 (i32.rotl (i32.xor (local.get $x13) (local.get $x2)) (i32.const 8)))
      (local.set $x8 (i32.add (local.get $x8) (local.get $x13)))
      (local.set $x7 (i32.rotl (i32.xor (local.get $x7) (local.get $x8)) (i32.const 7)))
      ;; QR(3, 4, 9, 14)
      (local.set $x3 (i32.add (local.get $x3) (local.get $x4)))
      (local.set $x14 (i32.rotl (i32.xor (local.get $x14) (local.get $x3)) (i32.const 16)))
      (local.set $x9 (i32.add (local.get $x9) (local.get $x14)))
      (local.set $x4 (i32.rotl (i32.xor (local.get $x4) (local.get $x9)) (i32.const 12)))
      (local.set $x3 (i32.add (local.get $x3) (local.get $x4)))
      (local.set $x14 (i32.rotl (i32.xor (local.get $x14) (local.get $x3)) (i32.const 8)))
      (local.set $x9 (i32.add (local.get $x9) (local.get $x14)))
      (local.set $x4 (i32.rotl (i32.xor (local.get $x4) (local.get $x9)) (i32.const 7)))

      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $rounds (local.get $i))
    )
    ;; keystream = state after the rounds + the input state
    (i32.store offset=0 (global.get $OUT) (i32.add (local.get $x0) (i32.const 0x61707865)))
    (i32.store offset=4 (global.get $OUT) (i32.add (local.get $x1) (i32.const 0x3320646e)))
    (i32.store offset=8 (global.get $OUT) (i32.add (local.get $x2) (i32.const 0x79622d32)))
    (i32.store offset=12 (global.get $OUT) (i32.add (local.get $x3) (i32.const 0x6b206574)))
    (i32.store offset=16 (global.get $OUT) (i32.add (local.get $x4) (i32.load offset=0 (global.get $KEY))))
    (i32.store offset=20 (global.get $OUT) (i32.add (local.get $x5) (i32.load offset=4 (global.get $KEY))))
    (i32.store offset=24 (global.get $OUT) (i32.add (local.get $x6) (i32.load offset=8 (global.get $KEY))))
    (i32.store offset=28 (global.get $OUT) (i32.add (local.get $x7) (i32.load offset=12 (global.get $KEY))))
    (i32.store offset=32 (global.get $OUT) (i32.add (local.get $x8) (i32.load offset=16 (global.get $KEY))))
    (i32.store offset=36 (global.get $OUT) (i32.add (local.get $x9) (i32.load offset=20 (global.get $KEY))))
    (i32.store offset=40 (global.get $OUT) (i32.add (local.get $x10) (i32.load offset=24 (global.get $KEY))))
    (i32.store offset=44 (global.get $OUT) (i32.add (local.get $x11) (i32.load offset=28 (global.get $KEY))))
    (i32.store offset=48 (global.get $OUT) (i32.add (local.get $x12) (i32.load offset=0 (global.get $IV))))
    (i32.store offset=52 (global.get $OUT) (i32.add (local.get $x13) (i32.load offset=4 (global.get $IV))))
    (i32.store offset=56 (global.get $OUT) (i32.add (local.get $x14) (i32.load offset=8 (global.get $IV))))
    (i32.store offset=60 (global.get $OUT) (i32.add (local.get $x15) (i32.load offset=12 (global.get $IV))))
  )

  (func (export "xor") (param $p i32) (param $len i32)
    (local $n i32) (local $k i32) (local $ctr i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (call $block)
        (local.set $n (select (i32.const 64) (local.get $len) (i32.gt_u (local.get $len) (i32.const 64))))
        ;; 8 bytes at a time, then the odd bytes of a final partial block
        (local.set $k (i32.const 0))
        (block $words
          (loop $word
            (br_if $words (i32.gt_u (i32.add (local.get $k) (i32.const 8)) (local.get $n)))
            (i64.store (i32.add (local.get $p) (local.get $k))
              (i64.xor (i64.load (i32.add (local.get $p) (local.get $k)))
                       (i64.load (i32.add (global.get $OUT) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))
            (br $word)))
        (block $bytes
          (loop $byte
            (br_if $bytes (i32.ge_u (local.get $k) (local.get $n)))
            (i32.store8 (i32.add (local.get $p) (local.get $k))
              (i32.xor (i32.load8_u (i32.add (local.get $p) (local.get $k)))
                       (i32.load8_u (i32.add (global.get $OUT) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $byte)))
        ;; next block: counter word 12 += 1, carrying into word 13
        (local.set $ctr (i32.add (i32.load offset=0 (global.get $IV)) (i32.const 1)))
        (i32.store offset=0 (global.get $IV) (local.get $ctr))
        (if (i32.eqz (local.get $ctr))
          (then (i32.store offset=4 (global.get $IV) (i32.add (i32.load offset=4 (global.get $IV)) (i32.const 1)))))
        (local.set $p (i32.add (local.get $p) (local.get $n)))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (br $next)))
  )

  (func (export "wipe")
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 128))
  )
)
