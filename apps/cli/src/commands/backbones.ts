import {
  getBackboneDescriptor,
  listBackbones,
  listSentenceEncoders,
  sentenceEncoderRegistry,
} from '@graft/backbones';
import type { Command } from 'commander';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';

/** One row of `graft backbones`. */
export interface BackboneListing {
  name: string;
  family: string;
  description: string;
  inputSizes: string[];
  featureDim: number;
  parameters: number | undefined;
  /** Figures of the default weights as their publisher states them (never measured by Graft). */
  upstream: { imageNetTop1: number | null; gigaFlops: number | null; source: string } | null;
  weights: { name: string; format: string; license: string; url: string }[];
}

/** The registered backbones, as `graft backbones` lists them. */
export function listBackboneDescriptions(pattern?: string): BackboneListing[] {
  return listBackbones(pattern).map((name) => {
    const descriptor = getBackboneDescriptor(name);
    return {
      name,
      family: descriptor.family,
      description: descriptor.description,
      inputSizes: descriptor.inputSizes.map(([height, width]) => `${height}×${width}`),
      featureDim: descriptor.featureDim,
      parameters: descriptor.parameterCount,
      upstream:
        descriptor.upstream === undefined
          ? null
          : {
              imageNetTop1: descriptor.upstream.imageNetTop1 ?? null,
              gigaFlops: descriptor.upstream.gigaFlops ?? null,
              source: descriptor.upstream.source,
            },
      weights: descriptor.weights.map((weights) => ({
        name: weights.name,
        format: weights.format,
        license: weights.license,
        url: weights.url,
      })),
    };
  });
}

/** `graft backbones [pattern]`: registered backbones with sizes, input sizes and licences. */
export function registerBackbonesCommand(program: Command, output: CommandOutput): void {
  program
    .command('backbones')
    .description(
      'list the registered backbones with sizes, input sizes, upstream FLOPs and ImageNet top-1, and weight licences',
    )
    .argument('[pattern]', 'filter names with * wildcards, e.g. "mobilenet*"')
    .action((pattern: string | undefined) => {
      const listing = listBackboneDescriptions(pattern);
      if (output.json) {
        output.result(JSON.stringify(listing, null, 2));
        return;
      }
      const quoted = listing.some((backbone) => backbone.upstream !== null);
      output.result(
        formatTable(
          ['name', 'input', 'features', 'parameters', 'GFLOPs*', 'top-1*', 'weights', 'licence'],
          listing.map((backbone) => [
            backbone.name,
            backbone.inputSizes.length > 2
              ? `${backbone.inputSizes[0]} … ${backbone.inputSizes.at(-1)}`
              : backbone.inputSizes.join(', '),
            backbone.featureDim,
            backbone.parameters === undefined ? '?' : formatCount(backbone.parameters),
            backbone.upstream?.gigaFlops == null ? '-' : backbone.upstream.gigaFlops.toFixed(2),
            backbone.upstream?.imageNetTop1 == null
              ? '-'
              : `${backbone.upstream.imageNetTop1.toFixed(1)}%`,
            [...new Set(backbone.weights.map((weights) => weights.name))].join(', ') ||
              '(random only)',
            truncate(
              [...new Set(backbone.weights.map((weights) => weights.license))].join('; ') || '-',
              48,
            ),
          ]),
        ) +
          (quoted
            ? "\n* quoted from the weights' publisher (e.g. the torchvision model card), not measured by Graft; --json names the source"
            : ''),
      );
      // Text encoders are another registry (strings in); listed after the image backbones.
      const encoders = pattern === undefined ? listSentenceEncoders() : [];
      if (encoders.length > 0) {
        output.result(
          `\ntext encoders (graft train <text data> --backbone <name>):\n${encoders
            .map((name) => {
              const descriptor = sentenceEncoderRegistry.get(name);
              return `  ${name}  ${descriptor.featureDim}-d  ${descriptor.description}`;
            })
            .join('\n')}`,
        );
      }
    });
}

function formatCount(count: number): string {
  return count >= 1e6 ? `${(count / 1e6).toFixed(2)}M` : `${(count / 1e3).toFixed(0)}k`;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
