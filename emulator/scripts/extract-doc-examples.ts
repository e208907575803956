/**
 * The command that regenerates emulator/tests/docExamples/ from Microsoft's API reference pages (what it reads and
 * how: ./docExamples.ts, a library the documentation-examples test imports too):
 *   node -r ts-node/register/transpile-only emulator/scripts/extract-doc-examples.ts --git <docs-contrib git dir>
 *   node -r ts-node/register/transpile-only emulator/scripts/extract-doc-examples.ts --dir <docs-contrib checkout or copy>
 */
import { main } from "./docExamples";

main(process.argv.slice(2));
