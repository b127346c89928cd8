;; Pillow's two resampling passes for 8-bit RGB (`horizontalPass`, `verticalPass`) with
;; WebAssembly SIMD, in Pillow's own int32 fixed point (22 bits, as Resample.c's `int ss`), so the
;; bytes are the scalar passes' bytes. The JavaScript driver (resize-simd.ts) plans the taps and
;; owns the memory layout. Assembled by wabt at build time (scripts/assemble-wasm.mjs).
(module
  (memory (export "memory") 1)

  ;; Clips four int32 sums like Pillow's clip8: `sum >> 22` saturated to [0, 255], as the low
  ;; four bytes of the result.
  (func $clip (param $sum v128) (result v128)
    (local $shifted v128)
    (local.set $shifted (i32x4.shr_s (local.get $sum) (i32.const 22)))
    (i8x16.narrow_i16x8_u
      (i16x8.narrow_i32x4_s (local.get $shifted) (local.get $shifted))
      (i16x8.narrow_i32x4_s (local.get $shifted) (local.get $shifted))))

  ;; Horizontal pass: `rowCount` rows of `rowBytes` bytes from `source` into `targetWidth` RGB
  ;; pixels per row at `into`. Column `c` sums `span` taps from byte offset `offsets[c]` with
  ;; int32 weights `weights[c * span + tap]`. Each pixel stores four bytes (the fourth is
  ;; overwritten by the next), so `into` needs a byte of slack and each source row three readable
  ;; bytes past its end.
  (func (export "horizontal")
    (param $source i32) (param $rowBytes i32) (param $rowCount i32) (param $into i32)
    (param $targetWidth i32) (param $offsets i32) (param $weights i32) (param $span i32)
    (local $row i32) (local $column i32) (local $tap i32) (local $pixel i32) (local $weight i32)
    (local $sum v128)
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $rowCount)))
      (loop $rows
        (local.set $column (i32.const 0))
        (local.set $weight (local.get $weights))
        (loop $columns
          (local.set $pixel
            (i32.add (local.get $source)
              (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $column) (i32.const 2))))))
          (local.set $sum (i32x4.splat (i32.const 2097152)))
          (local.set $tap (i32.const 0))
          (loop $taps
            (local.set $sum
              (i32x4.add (local.get $sum)
                (i32x4.mul
                  (i32x4.extend_low_i16x8_u
                    (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $pixel))))
                  (i32x4.splat (i32.load (local.get $weight))))))
            (local.set $pixel (i32.add (local.get $pixel) (i32.const 3)))
            (local.set $weight (i32.add (local.get $weight) (i32.const 4)))
            (local.set $tap (i32.add (local.get $tap) (i32.const 1)))
            (br_if $taps (i32.lt_u (local.get $tap) (local.get $span))))
          (v128.store32_lane 0 (local.get $into) (call $clip (local.get $sum)))
          (local.set $into (i32.add (local.get $into) (i32.const 3)))
          (local.set $column (i32.add (local.get $column) (i32.const 1)))
          (br_if $columns (i32.lt_u (local.get $column) (local.get $targetWidth))))
        (local.set $source (i32.add (local.get $source) (local.get $rowBytes)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $row) (local.get $rowCount)))))
  )

  ;; Vertical pass: `targetHeight` rows of `stride` bytes at `into`, row `r` summing `counts[r]`
  ;; rows of `intermediate` from byte `starts[r]` with int32 weights `weights[r * taps + tap]`.
  ;; 16 bytes a step over `paddedStride` (a multiple of 16 >= stride): a row's padding spills into
  ;; the next row's start, which that row then overwrites; the buffers need 16 bytes of slack.
  (func (export "vertical")
    (param $intermediate i32) (param $stride i32) (param $into i32) (param $targetHeight i32)
    (param $starts i32) (param $counts i32) (param $weights i32) (param $taps i32)
    (param $paddedStride i32)
    (local $row i32) (local $position i32) (local $tap i32) (local $count i32) (local $source i32)
    (local $rowWeights i32) (local $out i32) (local $bytes v128) (local $low v128) (local $high v128)
    (local $weight v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $targetHeight)))
      (loop $rows
        (local.set $count
          (i32.load (i32.add (local.get $counts) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $rowWeights
          (i32.add (local.get $weights)
            (i32.shl (i32.mul (local.get $row) (local.get $taps)) (i32.const 2))))
        (local.set $out (i32.add (local.get $into) (i32.mul (local.get $row) (local.get $stride))))
        (local.set $position (i32.const 0))
        (loop $positions
          (local.set $s0 (i32x4.splat (i32.const 2097152)))
          (local.set $s1 (local.get $s0))
          (local.set $s2 (local.get $s0))
          (local.set $s3 (local.get $s0))
          (local.set $source
            (i32.add (i32.add (local.get $intermediate) (local.get $position))
              (i32.load (i32.add (local.get $starts) (i32.shl (local.get $row) (i32.const 2))))))
          (local.set $tap (i32.const 0))
          (block $tapsDone
            (br_if $tapsDone (i32.eqz (local.get $count)))
            (loop $tapsLoop
              (local.set $bytes (v128.load (local.get $source)))
              (local.set $weight
                (i32x4.splat
                  (i32.load (i32.add (local.get $rowWeights) (i32.shl (local.get $tap) (i32.const 2))))))
              (local.set $low (i16x8.extend_low_i8x16_u (local.get $bytes)))
              (local.set $high (i16x8.extend_high_i8x16_u (local.get $bytes)))
              (local.set $s0 (i32x4.add (local.get $s0)
                (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $low)) (local.get $weight))))
              (local.set $s1 (i32x4.add (local.get $s1)
                (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $low)) (local.get $weight))))
              (local.set $s2 (i32x4.add (local.get $s2)
                (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $high)) (local.get $weight))))
              (local.set $s3 (i32x4.add (local.get $s3)
                (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $high)) (local.get $weight))))
              (local.set $source (i32.add (local.get $source) (local.get $stride)))
              (local.set $tap (i32.add (local.get $tap) (i32.const 1)))
              (br_if $tapsLoop (i32.lt_u (local.get $tap) (local.get $count)))))
          (v128.store (i32.add (local.get $out) (local.get $position))
            (i8x16.narrow_i16x8_u
              (i16x8.narrow_i32x4_s
                (i32x4.shr_s (local.get $s0) (i32.const 22))
                (i32x4.shr_s (local.get $s1) (i32.const 22)))
              (i16x8.narrow_i32x4_s
                (i32x4.shr_s (local.get $s2) (i32.const 22))
                (i32x4.shr_s (local.get $s3) (i32.const 22)))))
          (local.set $position (i32.add (local.get $position) (i32.const 16)))
          (br_if $positions (i32.lt_u (local.get $position) (local.get $paddedStride))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $row) (local.get $targetHeight)))))
  )
)
