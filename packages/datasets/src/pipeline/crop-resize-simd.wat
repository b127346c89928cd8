;; The two inner loops of `cropResizeInto` (bilinear crop/resize/mirror of RGB bytes, fused with
;; the float32 normalisation) with WebAssembly SIMD; the JavaScript driver plans the rows and
;; columns and owns the memory layout (crop-resize-simd.ts). Same integer arithmetic as the
;; scalar kernel, so the floats are bit for bit the same. Assembled by wabt at build time
;; (scripts/assemble-wasm.mjs).
(module
  (memory (export "memory") 1)

  ;; One source row's horizontal sums: for each output column x (`count` of them) the int32
  ;; triple `byte(left) * (256 - weight) + byte(right) * weight` per channel, where the column
  ;; table at `columns` holds (left byte offset, right byte offset, weight) as three int32s.
  ;; Each step stores four lanes (the fourth is overwritten by the next column), so `into` needs
  ;; one int32 of slack and `row` four readable bytes past its last pixel. `reverse` reads the
  ;; source channels as B, G, R.
  (func (export "horizontal")
    (param $row i32) (param $into i32) (param $columns i32) (param $count i32) (param $reverse i32)
    (local $mask v128) (local $end i32) (local $weight i32) (local $a v128) (local $b v128)
    (local.set $mask
      (select (result v128)
        (v128.const i8x16 2 1 0 3 4 5 6 7 8 9 10 11 12 13 14 15)
        (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
        (local.get $reverse)))
    (local.set $end (i32.add (local.get $columns) (i32.mul (local.get $count) (i32.const 12))))
    (block $done
      (br_if $done (i32.ge_u (local.get $columns) (local.get $end)))
      (loop $column
        (local.set $weight (i32.load offset=8 (local.get $columns)))
        (local.set $a
          (i32x4.extend_low_i16x8_u
            (i16x8.extend_low_i8x16_u
              (i8x16.swizzle
                (v128.load32_zero (i32.add (local.get $row) (i32.load (local.get $columns))))
                (local.get $mask)))))
        (local.set $b
          (i32x4.extend_low_i16x8_u
            (i16x8.extend_low_i8x16_u
              (i8x16.swizzle
                (v128.load32_zero
                  (i32.add (local.get $row) (i32.load offset=4 (local.get $columns))))
                (local.get $mask)))))
        (v128.store (local.get $into)
          (i32x4.add
            (i32x4.mul (local.get $a) (i32x4.splat (i32.sub (i32.const 256) (local.get $weight))))
            (i32x4.mul (local.get $b) (i32x4.splat (local.get $weight)))))
        (local.set $into (i32.add (local.get $into) (i32.const 12)))
        (local.set $columns (i32.add (local.get $columns) (i32.const 12)))
        (br_if $column (i32.lt_u (local.get $columns) (local.get $end)))))
  )

  ;; One output row: `count` values (a multiple of 12, so four RGB pixels a step and the channel
  ;; pattern restarts each step) of `float32(float32(byte * multiplier) + offset)`, where
  ;; `byte = (upper * keep + lower * weight + 32768) >> 16`. At `constants`: three float32x4
  ;; multiplier patterns (m0 m1 m2 m0, m1 m2 m0 m1, m2 m0 m1 m2), then the three offset patterns.
  (func (export "vertical")
    (param $upper i32) (param $lower i32) (param $out i32) (param $count i32)
    (param $keep i32) (param $weight i32) (param $constants i32)
    (local $end i32) (local $k v128) (local $w v128) (local $half v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128)
    (local $o0 v128) (local $o1 v128) (local $o2 v128)
    (local.set $k (i32x4.splat (local.get $keep)))
    (local.set $w (i32x4.splat (local.get $weight)))
    (local.set $half (i32x4.splat (i32.const 32768)))
    (local.set $m0 (v128.load (local.get $constants)))
    (local.set $m1 (v128.load offset=16 (local.get $constants)))
    (local.set $m2 (v128.load offset=32 (local.get $constants)))
    (local.set $o0 (v128.load offset=48 (local.get $constants)))
    (local.set $o1 (v128.load offset=64 (local.get $constants)))
    (local.set $o2 (v128.load offset=80 (local.get $constants)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (loop $step
        (v128.store (local.get $out)
          (f32x4.add
            (f32x4.mul
              (f32x4.convert_i32x4_s
                (i32x4.shr_s
                  (i32x4.add
                    (i32x4.add
                      (i32x4.mul (v128.load (local.get $upper)) (local.get $k))
                      (i32x4.mul (v128.load (local.get $lower)) (local.get $w)))
                    (local.get $half))
                  (i32.const 16)))
              (local.get $m0))
            (local.get $o0)))
        (v128.store offset=16 (local.get $out)
          (f32x4.add
            (f32x4.mul
              (f32x4.convert_i32x4_s
                (i32x4.shr_s
                  (i32x4.add
                    (i32x4.add
                      (i32x4.mul (v128.load offset=16 (local.get $upper)) (local.get $k))
                      (i32x4.mul (v128.load offset=16 (local.get $lower)) (local.get $w)))
                    (local.get $half))
                  (i32.const 16)))
              (local.get $m1))
            (local.get $o1)))
        (v128.store offset=32 (local.get $out)
          (f32x4.add
            (f32x4.mul
              (f32x4.convert_i32x4_s
                (i32x4.shr_s
                  (i32x4.add
                    (i32x4.add
                      (i32x4.mul (v128.load offset=32 (local.get $upper)) (local.get $k))
                      (i32x4.mul (v128.load offset=32 (local.get $lower)) (local.get $w)))
                    (local.get $half))
                  (i32.const 16)))
              (local.get $m2))
            (local.get $o2)))
        (local.set $upper (i32.add (local.get $upper) (i32.const 48)))
        (local.set $lower (i32.add (local.get $lower) (i32.const 48)))
        (local.set $out (i32.add (local.get $out) (i32.const 48)))
        (br_if $step (i32.lt_u (local.get $out) (local.get $end)))))
  )
)
