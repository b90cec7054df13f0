/**
 * Where protobuf meets the domain: one converter per aggregate ({@link io.rangekv.wire.MetaCodec},
 * {@link io.rangekv.wire.ErrorCodec}) and the TCP frame format ({@link io.rangekv.wire.FrameCodec}).
 */
package io.rangekv.wire;
