import { clusterNodeSuite } from './cluster-node.suite.js';

clusterNodeSuite('tls');
