import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ColourDataset } from '../testing/fixtures.js';
import { centredLogits, coral, coralLoss, covariance } from './coral.js';
import { distillation, distillationLoss, softDistillationLoss } from './distillation.js';

// Plain double-precision references, written independently of the tfjs code.
function softmax(row: number[], temperature = 1): number[] {
  const scaled = row.map((value) => value / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((value) => Math.exp(value - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}
function referenceKl(student: number[][], teacher: number[][], temperature: number): number {
  let total = 0;
  student.forEach((row, index) => {
    const q = softmax(teacher[index] as number[], temperature);
    const p = softmax(row, temperature);
    total += q.reduce((sum, qc, c) => sum + qc * Math.log(qc / (p[c] as number)), 0);
  });
  return total / student.length;
}
function referenceCrossEntropy(student: number[][], labels: number[]): number {
  return (
    -student.reduce(
      (sum, row, index) => sum + Math.log(softmax(row)[labels[index] as number] as number),
      0,
    ) / student.length
  );
}
function referenceCovariance(rows: number[][]): number[][] {
  const n = rows.length;
  const d = (rows[0] as number[]).length;
  const mean = Array.from(
    { length: d },
    (_, j) => rows.reduce((s, r) => s + (r[j] as number), 0) / n,
  );
  return Array.from({ length: d }, (_, i) =>
    Array.from(
      { length: d },
      (_, j) =>
        rows.reduce(
          (s, r) =>
            s + ((r[i] as number) - (mean[i] as number)) * ((r[j] as number) - (mean[j] as number)),
          0,
        ) /
        (n - 1),
    ),
  );
}

const studentLogits = [
  [1, 2, 0],
  [0.5, -1, 2],
  [-0.3, 0.2, 0.1],
];
const teacherLogits = [
  [2, 0, 1],
  [0, 0, 3],
  [1.5, -2, 0.5],
];
const labels = [1, 2, 0];

describe('distillation loss', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const compute = (temperature: number, alpha: number) =>
    tf.tidy(() => {
      const probabilities = tf.softmax(tf.tensor2d(studentLogits));
      const { total, hard, soft } = distillationLoss({
        studentProbabilities: probabilities,
        teacherLogits: tf.tensor2d(teacherLogits),
        targets: tf.oneHot(tf.tensor1d(labels, 'int32'), 3),
        temperature,
        alpha,
      });
      return [total.dataSync()[0], hard.dataSync()[0], soft.dataSync()[0]] as number[];
    });

  it('matches a hand-computed reference, T² scaling included', () => {
    for (const temperature of [1, 2, 5]) {
      const [total, hard, soft] = compute(temperature, 0.3);
      const expectedSoft =
        temperature ** 2 * referenceKl(studentLogits, teacherLogits, temperature);
      const expectedHard = referenceCrossEntropy(studentLogits, labels);
      expect(soft).toBeCloseTo(expectedSoft, 5);
      expect(hard).toBeCloseTo(expectedHard, 5);
      expect(total).toBeCloseTo(0.7 * expectedHard + 0.3 * expectedSoft, 5);
    }
  });

  it('α = 0 is the hard-label loss, α = 1 the soft term only', () => {
    const [totalZero, hardZero] = compute(3, 0);
    expect(totalZero).toBeCloseTo(hardZero as number, 6);
    const [totalOne, , softOne] = compute(3, 1);
    expect(totalOne).toBeCloseTo(softOne as number, 6);
    expect(totalOne).not.toBeCloseTo(totalZero as number, 2);
  });

  it('is zero for a student equal to the teacher, and ignores a constant per row', () => {
    const value = tf.tidy(
      () =>
        softDistillationLoss({
          studentLogits: tf.add(tf.tensor2d(teacherLogits), tf.tensor2d([[5], [-3], [0.5]])),
          teacherLogits: tf.tensor2d(teacherLogits),
          temperature: 4,
        }).dataSync()[0],
    );
    expect(Math.abs(value as number)).toBeLessThan(1e-6);
  });

  it('has finite gradients, also for saturated students', () => {
    const gradient = tf.tidy(() =>
      tf
        .grad(
          (logits: tf.Tensor) =>
            distillationLoss({
              studentProbabilities: tf.softmax(logits as tf.Tensor2D),
              teacherLogits: tf.tensor2d(teacherLogits),
              targets: tf.oneHot(tf.tensor1d(labels, 'int32'), 3),
              temperature: 4,
              alpha: 0.7,
            }).total,
        )(
          tf.tensor2d([
            [60, -60, 0],
            [0.5, -1, 2],
            [-0.3, 0.2, 0.1],
          ]),
        )
        .arraySync(),
    ) as number[][];
    expect(gradient.flat().every(Number.isFinite)).toBe(true);
    expect(gradient.flat().some((value) => value !== 0)).toBe(true);
  });

  it('validates its options', () => {
    const teacher = {
      id: 't',
      logits: (images: tf.Tensor4D) => tf.zeros([images.shape[0], 3]) as tf.Tensor2D,
    };
    expect(distillation({ teacher })).toMatchObject({ temperature: 4, alpha: 0.5 });
    expect(() => distillation({ teacher, temperature: 0 })).toThrow(InvalidArgumentError);
    expect(() => distillation({ teacher, alpha: 1.5 })).toThrow(/alpha/);
    expect(() => distillation({ teacher: {} as never })).toThrow(/teacher/);
  });
});

describe('CORAL loss', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const source = [
    [1, 2, 0.5],
    [0.2, -1, 1.5],
    [3, 0.1, -0.4],
    [-1, 1, 2],
  ];
  const target = [
    [2, 0, 1],
    [0, 4, 3],
    [1.5, -2, 0.5],
  ];

  it('covariance matches a hand-computed reference', () => {
    const computed = tf.tidy(() => covariance(tf.tensor2d(source)).arraySync());
    const expected = referenceCovariance(source);
    computed.flat().forEach((value, index) => {
      expect(value).toBeCloseTo(expected.flat()[index] as number, 5);
    });
  });

  it('is ‖C_S − C_T‖²_F / 4d², zero for identical distributions and positive otherwise', () => {
    const value = tf.tidy(
      () => coralLoss({ source: tf.tensor2d(source), target: tf.tensor2d(target) }).dataSync()[0],
    ) as number;
    const cs = referenceCovariance(source).flat();
    const ct = referenceCovariance(target).flat();
    const expected = cs.reduce((sum, v, i) => sum + (v - (ct[i] as number)) ** 2, 0) / (4 * 9);
    expect(value).toBeCloseTo(expected, 4);
    expect(value).toBeGreaterThan(0);
    // The same rows in another order and shifted: same covariance, zero distance.
    const same = tf.tidy(
      () =>
        coralLoss({
          source: tf.tensor2d(source),
          target: tf.add(tf.tensor2d([...source].reverse()), 7) as tf.Tensor2D,
        }).dataSync()[0],
    ) as number;
    expect(Math.abs(same)).toBeLessThan(1e-5);
  });

  it('has finite gradients and is zero below two rows', () => {
    const gradient = tf.tidy(() =>
      tf
        .grad((rows: tf.Tensor) =>
          coralLoss({ source: rows as tf.Tensor2D, target: tf.tensor2d(target) }),
        )(tf.tensor2d(source))
        .arraySync(),
    ) as number[][];
    expect(gradient.flat().every(Number.isFinite)).toBe(true);
    expect(gradient.flat().some((value) => value !== 0)).toBe(true);
    const single = tf.tidy(
      () =>
        coralLoss({ source: tf.tensor2d([[1, 2, 3]]), target: tf.tensor2d(target) }).dataSync()[0],
    );
    expect(single).toBe(0);
  });

  it('centred logits of softmax probabilities are the logits centred per row', () => {
    const centred = tf.tidy(() =>
      centredLogits(tf.softmax(tf.tensor2d(studentLogits)), 'softmax').arraySync(),
    );
    studentLogits.forEach((row, index) => {
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      row.forEach((value, column) => {
        expect(centred[index]?.[column]).toBeCloseTo(value - mean, 4);
      });
    });
  });

  it('validates its options', () => {
    const targetData = new ColourDataset({ count: 4 });
    expect(coral({ targetData })).toMatchObject({ weight: 1, layer: 'logits' });
    expect(() => coral({ targetData, weight: -1 })).toThrow(/weight/);
    expect(() => coral({ targetData, layer: 'pixels' as never })).toThrow(/layer/);
    expect(() => coral({ targetData: new ColourDataset({ count: 1 }) })).toThrow(/targetData/);
  });
});
