// qemu guestfwd "-cmd:" relay. qemu's "-tcp:" target accepts one connection per VM, so each guest
// connection runs this instead, with the connection on stdin/stdout, joined to the test's server
// on 127.0.0.1:PORT (loopback only: the guest reaches nothing else).
import { connect } from 'node:net';

const port = Number(process.argv[2]);
const server = connect({ host: '127.0.0.1', port });
process.stdin.pipe(server);
server.pipe(process.stdout);
process.stdin.on('end', () => server.end());
server.on('error', () => process.exit(0));
server.on('close', () => process.exit(0));
