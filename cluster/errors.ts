/**
 * The cluster layer's errors. Each extends {@link WactorError} with a literal
 * `WACTOR_ERR_CLUSTER_*` code; the catalogue is docs/errors.md (`## cluster`).
 *
 * @example
 * try { await node.send('beta', 'greeter', bytes); } catch (err) {
 *   if (err instanceof UnknownNodeError) console.log(err.node); // 'beta'
 * }
 */
import { WactorError } from '../runtime/errors.js';

/** A frame on the wire is broken: bad length, undecodable body, unknown type or wrong shape. */
export class FrameError extends WactorError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A frame's declared length exceeds the per-frame cap (or is zero). */
export class FrameTooLargeError extends FrameError {
  readonly length: number;
  readonly limit: number;
  constructor(length: number, limit: number) {
    super(
      'WACTOR_ERR_CLUSTER_FRAME_SIZE',
      `frame length ${length} is outside 1..${limit} bytes (the per-frame cap, option maxFrameBytes)`,
    );
    this.length = length;
    this.limit = limit;
  }
}

/** A frame body is not valid msgpack, or not a well-formed frame of its type. */
export class MalformedFrameError extends FrameError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_CLUSTER_MALFORMED_FRAME', message, options);
  }
}

/** A frame carries a type number this protocol version does not know. */
export class UnknownFrameError extends FrameError {
  readonly frameType: unknown;
  constructor(frameType: unknown) {
    super('WACTOR_ERR_CLUSTER_UNKNOWN_FRAME', `unknown frame type ${String(frameType)}`);
    this.frameType = frameType;
  }
}

/** A peer broke the protocol (wrong frame for the state, bad handshake). The link is closed. */
export class ProtocolError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_CLUSTER_PROTOCOL', message, options);
  }
}

/** The handshake failed: a certificate, identity or node name was refused by this side or the peer. */
export class HandshakeError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_CLUSTER_HANDSHAKE', message, options);
  }
}

/**
 * The peer refused a dial because a link between the two already exists or is being made the
 * other way (a crossing dial); `peer` names the refusing node, whose existing link is the one
 * to use. Still a {@link HandshakeError} (same code) for callers that only care that the dial failed.
 */
export class DuplicateLinkError extends HandshakeError {
  readonly peer: string;
  constructor(message: string, peer: string) {
    super(message);
    this.peer = peer;
  }
}

/** A send, RPC or monitor named a node this node has no link to. */
export class UnknownNodeError extends WactorError {
  readonly node: string;
  constructor(node: string) {
    super('WACTOR_ERR_CLUSTER_UNKNOWN_NODE', `unknown node ${JSON.stringify(node)}: no link to it`);
    this.node = node;
  }
}

/** A global name is not registered anywhere in the cluster. */
export class UnknownNameError extends WactorError {
  readonly globalName: string;
  constructor(name: string) {
    super('WACTOR_ERR_CLUSTER_UNKNOWN_NAME', `unknown global name ${JSON.stringify(name)}`);
    this.globalName = name;
  }
}

/** A remote spawn named a factory the target node did not register. */
export class UnknownFactoryError extends WactorError {
  readonly factory: string;
  constructor(factory: string, node: string) {
    super(
      'WACTOR_ERR_CLUSTER_UNKNOWN_FACTORY',
      `node ${JSON.stringify(node)} has no spawnable factory ${JSON.stringify(factory)} (registerSpawnable it there)`,
    );
    this.factory = factory;
  }
}

/** An RPC got no reply within its timeout. */
export class RpcTimeoutError extends WactorError {
  constructor(method: string, node: string, timeout: number) {
    super(
      'WACTOR_ERR_CLUSTER_RPC_TIMEOUT',
      `rpc ${method} to node ${JSON.stringify(node)} got no reply within ${timeout} ms`,
    );
  }
}

/** The link to a node went down (or was closed) while an operation on it was in flight. */
export class LinkDownError extends WactorError {
  readonly node: string;
  constructor(node: string, reason: string) {
    super('WACTOR_ERR_CLUSTER_LINK_DOWN', `link to node ${JSON.stringify(node)} went down: ${reason}`);
    this.node = node;
  }
}

/** Certificate or key material could not be generated, parsed or used. */
export class IdentityError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_CLUSTER_IDENTITY', message, options);
  }
}
