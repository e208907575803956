// The Pulumi program (Pulumi.yaml main): program.ts, from the compiled build when it is current with the
// sources, from the sources otherwise (scripts/launch.js).
module.exports = require("./launch").load(require("node:path").join(__dirname, ".."), "program");
