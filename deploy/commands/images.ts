import type { CommandModule, InferredOptionTypes } from 'yargs';
import { imageValues, parseImageReference } from '../tools/image.js';
import { releaseImages } from '../release/images.js';
import { prepareChart } from '../flows/preflight.js';
import { formatImages } from '../output/report.js';
import { chartOptions, targetOptions, valueArgs } from './options.js';
import { printResult, runCommand } from './run.js';

const options = { ...targetOptions, ...chartOptions } as const;

export const imagesCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'images',
  describe: 'List every image the release will run with these values (rendered, overrides applied), to mirror them before installing',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runCommand(args, async ({ helm, progress }) => {
      const image = args.image ? parseImageReference(args.image) : undefined;
      const values = [...valueArgs(args), ...(image ? imageValues(image) : [])];
      const objects = await prepareChart(helm, { ...args, image, skipCapacityCheck: true }, values, progress);
      const images = releaseImages(objects);
      printResult(progress, { images }, () => formatImages(images));
      return true;
    }),
};
