// Compiles the contracts with solc-js, pinned in package.json, with fixed
// settings and no metadata hash in the bytecode, so the output depends on
// the source alone: `go generate ./contracts` reruns it and the staleness
// test compares. Usage: node compile.js OUTDIR
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const outDir = process.argv[2] || path.join(__dirname, 'build');
const sources = ['BatteryRegistry.sol', 'DemoToken.sol', 'SealAnchor.sol'];
const input = {
  language: 'Solidity',
  sources: Object.fromEntries(sources.map((f) => [f, { content: fs.readFileSync(path.join(__dirname, f), 'utf8') }])),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === 'error');
for (const e of out.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
fs.mkdirSync(outDir, { recursive: true });
for (const file of sources) {
  for (const [name, c] of Object.entries(out.contracts[file])) {
    fs.writeFileSync(path.join(outDir, name + '.abi'), JSON.stringify(c.abi, null, 2) + '\n');
    fs.writeFileSync(path.join(outDir, name + '.bin'), c.evm.bytecode.object + '\n');
  }
}
console.log('solc ' + solc.version() + ': compiled ' + sources.join(', ') + ' into ' + outDir);
