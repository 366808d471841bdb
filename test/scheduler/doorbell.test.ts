import { describe, expect, it } from 'vitest';
import { createDoorbells, Doorbell } from '../../scheduler/doorbell.js';

/** One `sleep` with nothing to do: how many times did it look for work? (then wake it up) */
async function idleSleep(bell: Doorbell, spinMicros: number): Promise<number> {
  let looks = 0;
  let woke!: () => void;
  const awake = new Promise<void>((resolve) => (woke = resolve));
  const slept = bell.sleep(
    () => {
      looks++;
      return false;
    },
    () => woke(),
    { spinMicros },
  );
  expect(slept).toBe(false);
  bell.wake();
  await awake;
  return looks;
}

describe('Doorbell adaptive spin', () => {
  it('a spin that finds nothing makes the next 1, 2, 4 … sleeps skip spinning', async () => {
    const bell = new Doorbell(createDoorbells(1), 0);
    // A spin looks at least once, then once more after announcing sleep; a skipped spin only once.
    const looks: number[] = [];
    for (let i = 0; i < 8; i++) looks.push(await idleSleep(bell, 200));
    const spun = looks.map((n) => n > 1);
    expect(spun).toEqual([true, false, true, false, false, true, false, false]);
    for (const [i, n] of looks.entries()) if (!spun[i]) expect(n).toBe(1);
  });

  it('a spin that finds work resets the back-off', async () => {
    const bell = new Doorbell(createDoorbells(1), 0);
    await idleSleep(bell, 200); // empty spin: skip 1
    await idleSleep(bell, 200); // skipped
    await idleSleep(bell, 200); // empty spin: skip 2
    await idleSleep(bell, 200);
    await idleSleep(bell, 200);
    // This spin finds work on its first look: the sleep returns true at once.
    expect(
      bell.sleep(
        () => true,
        () => {},
        { spinMicros: 200 },
      ),
    ).toBe(true);
    // Back-off reset: an empty spin now skips only the next sleep.
    const looks = [await idleSleep(bell, 200), await idleSleep(bell, 200), await idleSleep(bell, 200)];
    expect(looks.map((n) => n > 1)).toEqual([true, false, true]);
  });

  it('without spinMicros it never spins', async () => {
    const bell = new Doorbell(createDoorbells(1), 0);
    for (let i = 0; i < 3; i++) expect(await idleSleep(bell, 0)).toBe(1);
  });
});
