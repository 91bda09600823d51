import { createRefreshQueue } from './refreshQueue';

describe('createRefreshQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the requests of a burst together, once', async () => {
    const runs: string[][] = [];
    const queue = createRefreshQueue<string>(async (keys) => {
      runs.push([...keys]);
    }, 200);

    queue.request('a');
    queue.request('b');
    queue.request('a');
    expect(runs).toEqual([]);
    await jest.advanceTimersByTimeAsync(200);

    expect(runs).toEqual([['a', 'b']]);
  });

  it('never overlaps runs: what comes in during a run waits for the next', async () => {
    const runs: string[][] = [];
    let finish: () => void = () => {};
    const queue = createRefreshQueue<string>(
      (keys) =>
        new Promise<void>((resolve) => {
          runs.push([...keys]);
          finish = resolve;
        }),
      10
    );

    queue.request('a');
    await jest.advanceTimersByTimeAsync(10);
    queue.request('b');
    queue.request('c');
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([['a']]);

    finish();
    await jest.advanceTimersByTimeAsync(10);
    expect(runs).toEqual([['a'], ['b', 'c']]);
  });

  it('goes on after a failed run', async () => {
    const run = jest.fn().mockRejectedValueOnce(new Error('unavailable')).mockResolvedValue(undefined);
    const queue = createRefreshQueue<string>(run, 10);

    queue.request('a');
    await jest.advanceTimersByTimeAsync(10);
    queue.request('a');
    await jest.advanceTimersByTimeAsync(10);

    expect(run).toHaveBeenCalledTimes(2);
  });

  it('runs nothing after stop', async () => {
    const run = jest.fn().mockResolvedValue(undefined);
    const queue = createRefreshQueue<string>(run, 10);

    queue.request('a');
    queue.stop();
    queue.request('b');
    await jest.advanceTimersByTimeAsync(100);

    expect(run).not.toHaveBeenCalled();
  });
});
