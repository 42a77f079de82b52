// FileOptimizer's svgo runner, started by the service as a child process (Processing/Imaging/Svg/SvgoTool.cs):
//   node svgo-run.mjs --version                   prints svgo's version and node's: "4.1.0 v20.20.2"
//   node svgo-run.mjs INPUT OUTPUT [MODE]         optimizes INPUT (already sanitised by the service) into OUTPUT
// The configuration is fixed here, never read from the working folder (the svgo command line would look for
// svgo.config.mjs there). The service tries the modes in this order and keeps the first whose rendering passes its
// check: "default"; "careful" keeps more digits, for drawings whose coordinates need them; "unmerged" also keeps paths
// apart, for drawings whose translucent shapes overlap (merged into one path, an overlap is painted once, not twice).
import { readFile, writeFile } from 'node:fs/promises';
import { optimize, VERSION } from 'svgo';

/** Per mode: decimal places kept in numbers and paths (svgo's default is 3), and whether paths with equal attributes are merged. */
const modes = {
  default: { precision: 3, mergePaths: true },
  careful: { precision: 5, mergePaths: true },
  unmerged: { precision: 5, mergePaths: false },
};

function config(mode) {
  return {
    // Passes repeat until the output stops shrinking (svgo stops after 10).
    multipass: true,
    floatPrecision: modes[mode].precision,
    plugins: [
      // style="fill:#000;stroke-width:1" becomes attributes, so the preset's defaults removal and grouping reach them.
      'convertStyleToAttrs',
      {
        name: 'preset-default',
        params: {
          overrides: {
            // width="850pt" stays in pt: as px (1133.333) it draws the same in a browser, but at another size in
            // renderers that take 1 pt as 1 px (libvips at its default 72 dpi), so the result's size would change.
            cleanupNumericValues: { convertToPx: false },
            mergePaths: modes[mode].mergePaths ? {} : false,
          },
        },
      },
      // The service sanitises before and after svgo; svgo removing scripts as well costs nothing.
      'removeScripts',
    ],
  };
}

const [first, output, mode = 'default'] = process.argv.slice(2);
if (first === '--version') {
  process.stdout.write(`${VERSION} ${process.version}\n`);
} else if (!first || !output || !Object.hasOwn(modes, mode)) {
  process.stderr.write('usage: node svgo-run.mjs --version | INPUT OUTPUT [default|careful|unmerged]\n');
  process.exitCode = 2;
} else {
  const svg = await readFile(first, 'utf8');
  const result = optimize(svg, config(mode));
  await writeFile(output, result.data, 'utf8');
}
