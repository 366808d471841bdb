/**
 * wactor's cluster layer (`import { ClusterNode, Identity, ClusterCa } from 'wactor/cluster'`):
 * nodes linked over mutual TLS, cross-node send by name or pid, a gossiped global registry,
 * remote spawn from registered factories, live attach and failure detection. Wasm-free: it
 * depends on `runtime/` only and wraps any `LocalNode`.
 *
 * @example
 * import { Runtime } from 'wactor';
 * import { ClusterNode, Identity } from 'wactor/cluster';
 * const identity = await Identity.generate();
 * const node = await ClusterNode.start({ name: 'alpha', runtime: new Runtime(), identity, port: 0 });
 * console.log(node.port, node.peers());
 * await node.close();
 */
export {
  type ClusterEvents,
  type ClusterMetrics,
  ClusterNode,
  type ClusterNodeOptions,
  type GlobalNameLostMessage,
  type NodeDownEvent,
  type NodeUpEvent,
  type RemoteDownMessage,
  type SpawnableFactory,
} from './cluster-node.js';
export {
  FrameError,
  FrameTooLargeError,
  HandshakeError,
  IdentityError,
  LinkDownError,
  MalformedFrameError,
  ProtocolError,
  RpcTimeoutError,
  UnknownFactoryError,
  UnknownFrameError,
  UnknownNameError,
  UnknownNodeError,
} from './errors.js';
export { type FailureDetectorOptions, PhiAccrualDetector } from './failure-detector.js';
export { claimWins } from './global-registry.js';
export { type CertOptions, ClusterCa, Identity, type IdentityPem } from './identity.js';
export { PROTOCOL_VERSION } from './protocol.js';
export { RemoteNode } from './remote-node.js';
export type { ByteStream, Connection, DialOptions, Listener, PeerIdentity, Transport } from './transport.js';
export { createTlsTransport, type TlsTransportOptions } from './transport-tls.js';
