(module
  (type (;0;) (func (param i32 f32 i32 i64) (result i32)))
  (type (;1;) (func (param f64 i64 i32 i64 i32 i64 i64 f32 f32) (result f32)))
  (memory (;0;) 3 3)
  (global (;0;) (mut f32) f32.const -0x1.b23c86p+68 (;=-500640500000000000000;))
  (global (;1;) f64 f64.const 0x1.0bc7392dbed63p+376 (;=160995467148743800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;))
  (global (;2;) (mut i32) i32.const 0)
  (global (;3;) (mut i64) i64.const 0)
  (global (;4;) (mut i64) i64.const 0)
  (global (;5;) (mut i32) i32.const 0)
  (global (;6;) (mut i32) i32.const 20000)
  (export "$-gu,\u{11}" (func 0))
  (export "" (memory 0))
  (export "2" (global 0))
  (export "3" (global 1))
  (export "\u{8}>v" (global 2))
  (export "5" (global 3))
  (export "\u{1c}" (global 4))
  (export "_\u{12}," (global 5))
  (func (;0;) (type 0) (param i32 f32 i32 i64) (result i32)
    (local f64 f32 f32)
    global.get 6
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 6
    i32.const 1
    i32.sub
    global.set 6
    nop
    f32.const 0x1.222222p-93 (;=0.00000000000000000000000000011443742;)
    local.set 1
    f64.const 0x1.fffffcp-1052 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000041445225;)
    i32.const -67108864
    f64.const 0x1.p-1030 (;=0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000008691694759794;)
    f64.trunc
    local.tee 4
    f64.const nan (;=NaN;)
    local.get 4
    local.get 4
    f64.eq
    select
    loop (result i64) ;; label = @1
      global.get 6
      i32.eqz
      if ;; label = @2
        unreachable
      end
      global.get 6
      i32.const 1
      i32.sub
      global.set 6
      memory.size
      br_if 0 (;@1;)
      global.get 0
      memory.size
      if ;; label = @2
        local.get 2
        f32.convert_i32_u
        f32.trunc
        local.tee 5
        f32.const nan (;=NaN;)
        local.get 5
        local.get 5
        f32.eq
        select
        local.set 1
        f64.const -0x1.76d549a256899p-404 (;=-0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000035438863397570746;)
        memory.size
        memory.grow
        local.tee 0
        block ;; label = @3
          global.get 1
          i64.trunc_sat_f64_u
          local.set 3
          f64.const 0x1.33210107320e5p+312 (;=10010122613757956000000000000000000000000000000000000000000000000000000000000000000000000000000;)
          f64.abs
          local.get 2
          loop ;; label = @4
            global.get 6
            i32.eqz
            if ;; label = @5
              unreachable
            end
            global.get 6
            i32.const 1
            i32.sub
            global.set 6
            block ;; label = @5
              block ;; label = @6
                f64.const 0x1.2819766d0a8f4p-109 (;=0.0000000000000000000000000000000017820838214387804;)
                loop (result i64) ;; label = @7
                  global.get 6
                  i32.eqz
                  if ;; label = @8
                    unreachable
                  end
                  global.get 6
                  i32.const 1
                  i32.sub
                  global.set 6
                  global.get 1
                  f32.demote_f64
                  f64.promote_f32
                  i64.reinterpret_f64
                  i64.extend16_s
                  i64.eqz
                  i64.load16_u offset=174129
                  i64.const -288230376151711745
                  i32.const 1684508298
                  br_table 0 (;@7;) 1 (;@6;) 2 (;@5;) 3 (;@4;) 4 (;@3;) 5 (;@2;) 6 (;@1;) 6 (;@1;)
                  f32.convert_i64_u
                  i32.trunc_f32_s
                  i64.load8_u offset=186498
                  memory.size
                  i32.const 0
                  f32.convert_i32_s
                  i64.trunc_f32_s
                  i64.ctz
                  i64.store8 offset=85750
                  i64.gt_u
                  block ;; label = @8
                    loop ;; label = @9
                      global.get 6
                      i32.eqz
                      if ;; label = @10
                        unreachable
                      end
                      global.get 6
                      i32.const 1
                      i32.sub
                      global.set 6
                      global.get 1
                      br 0 (;@9;)
                      f64.neg
                      f64.const -nan:0xffffffffffffd (;=NaN;)
                      f64.ne
                      i32.ctz
                      i64.load offset=196608
                      i64.const 137438953472
                      f32.const 0x1.fffffp-129 (;=0.000000000000000000000000000000000000002938734;)
                      global.set 0
                      local.tee 3
                      i64.eqz
                      i32.extend16_s
                      i64.load8_s offset=90318
                      i64.shr_u
                      br 7 (;@2;)
                      local.tee 3
                      block (result i32) ;; label = @10
                        br 3 (;@7;)
                        memory.size
                        i32.load16_u offset=22407 align=1
                        i32.load8_s offset=93527
                        br 2 (;@8;)
                        local.set 0
                        local.get 3
                        block (result f32) ;; label = @11
                          i32.const 1723395927
                          i32.popcnt
                          i32.load16_s offset=29644
                          i32.popcnt
                          f32.const -0x1.5066f8p+100 (;=-1665783100000000000000000000000;)
                          loop (result f32) ;; label = @12
                            global.get 6
                            i32.eqz
                            if ;; label = @13
                              unreachable
                            end
                            global.get 6
                            i32.const 1
                            i32.sub
                            global.set 6
                            i64.const -1365715958562898380
                            local.set 3
                            br 0 (;@12;)
                            global.get 1
                            i64.trunc_sat_f64_s
                            local.set 3
                            i64.const -6311701466599601661
                            local.get 1
                            local.tee 1
                            f32.const 0x1.8004p-132 (;=0.000000000000000000000000000000000000000275518;)
                            f32.ceil
                            local.tee 6
                            f32.const nan (;=NaN;)
                            local.get 6
                            local.get 6
                            f32.eq
                            select
                            block (result f64) ;; label = @13
                              global.get 0
                              i64.trunc_sat_f32_u
                              global.get 0
                              i32.reinterpret_f32
                              global.get 2
                              i32.xor
                              global.set 2
                              global.get 3
                              i64.xor
                              global.set 3
                              f64.const -0x1p+1023 (;=-89884656743115800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                            end
                            i64.reinterpret_f64
                            global.get 4
                            i64.xor
                            global.set 4
                            i32.reinterpret_f32
                            global.get 2
                            i32.xor
                            global.set 2
                            i32.reinterpret_f32
                            global.get 2
                            i32.xor
                            global.set 2
                            global.get 3
                            i64.xor
                            global.set 3
                            f32.const -nan:0x464090 (;=NaN;)
                          end
                          i32.reinterpret_f32
                          global.get 2
                          i32.xor
                          global.set 2
                          i32.reinterpret_f32
                          global.get 2
                          i32.xor
                          global.set 2
                          global.get 5
                          i32.xor
                          global.set 5
                          f32.const 0x1.p-140 (;=0.000000000000000000000000000000000000000000717;)
                        end
                        i32.reinterpret_f32
                        global.get 2
                        i32.xor
                        global.set 2
                        global.get 3
                        i64.xor
                        global.set 3
                        i32.const 566778319
                      end
                      global.get 5
                      i32.xor
                      global.set 5
                      global.get 3
                      i64.xor
                      global.set 3
                    end
                  end
                  global.get 5
                  i32.xor
                  global.set 5
                  i64.const 2318313360172210514
                end
                global.get 3
                i64.xor
                global.set 3
                i64.reinterpret_f64
                global.get 4
                i64.xor
                global.set 4
              end
            end
          end
          global.get 5
          i32.xor
          global.set 5
          i64.reinterpret_f64
          global.get 4
          i64.xor
          global.set 4
        end
        global.get 5
        i32.xor
        global.set 5
        i64.reinterpret_f64
        global.get 4
        i64.xor
        global.set 4
      end
      i32.reinterpret_f32
      global.get 2
      i32.xor
      global.set 2
      i64.const 8581174310081933982
    end
    global.get 3
    i64.xor
    global.set 3
    i64.reinterpret_f64
    global.get 4
    i64.xor
    global.set 4
    global.get 5
    i32.xor
    global.set 5
    i64.reinterpret_f64
    global.get 4
    i64.xor
    global.set 4
    i32.const -134217729
  )
  (data (;0;) (i32.const 2580) "")
  (data (;1;) (i32.const 0) "")
)
