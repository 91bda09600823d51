import { act, renderHook } from '@testing-library/react';
import { ApiError } from '../api';
import { useSubmit } from './useSubmit';

/** A promise that the test settles by hand, to look at the hook while the action is in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const conflict = () => new ApiError('conflict', 409, 'the incident changed meanwhile', 'req-9');

describe('useSubmit', () => {
  it('is submitting while the action runs, then hands the result and the arguments to onSuccess', async () => {
    const call = deferred<string>();
    const action = jest.fn((_name: string, _count: number) => call.promise);
    const onSuccess = jest.fn();
    const { result } = renderHook(() => useSubmit(action, { onSuccess }));
    expect(result.current).toMatchObject({ submitting: false, error: null });

    let submitted!: Promise<void>;
    act(() => {
      submitted = result.current.submit('prod', 2);
    });
    expect(action).toHaveBeenCalledWith('prod', 2);
    expect(result.current.submitting).toBe(true);
    expect(onSuccess).not.toHaveBeenCalled();

    await act(async () => {
      call.resolve('created');
      await submitted;
    });
    expect(result.current).toMatchObject({ submitting: false, error: null });
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess).toHaveBeenCalledWith('created', 'prod', 2);
  });

  it('keeps the error until the next submit, without rejecting', async () => {
    const calls = [deferred<void>(), deferred<void>()];
    let next = 0;
    const action = jest.fn(() => calls[next++].promise);
    const onError = jest.fn();
    const onSuccess = jest.fn();
    const { result, rerender } = renderHook(() => useSubmit(action, { onSuccess, onError }));

    const error = conflict();
    await act(async () => {
      const submitted = result.current.submit();
      calls[0].reject(error);
      await expect(submitted).resolves.toBeUndefined();
    });
    expect(result.current).toMatchObject({ submitting: false, error });
    expect(onError).toHaveBeenCalledWith(error);
    expect(onSuccess).not.toHaveBeenCalled();

    rerender();
    expect(result.current.error).toBe(error);

    let submitted!: Promise<void>;
    act(() => {
      submitted = result.current.submit();
    });
    expect(result.current).toMatchObject({ submitting: true, error: null });
    await act(async () => {
      calls[1].resolve();
      await submitted;
    });
    expect(result.current).toMatchObject({ submitting: false, error: null });
  });

  it('turns whatever the action throws into an ApiError', async () => {
    const { result } = renderHook(() => useSubmit(() => Promise.reject(new TypeError('Failed to fetch'))));

    await act(() => result.current.submit());

    expect(result.current.error).toBeInstanceOf(ApiError);
    expect(result.current.error).toMatchObject({ code: 'network', message: 'Network error: Failed to fetch' });
  });

  it('forgets the error on reset', async () => {
    const { result } = renderHook(() => useSubmit(() => Promise.reject(conflict())));
    await act(() => result.current.submit());
    expect(result.current.error).not.toBeNull();

    act(() => result.current.reset());

    expect(result.current.error).toBeNull();
  });

  it('does not run the action again while it is in flight', async () => {
    const calls = [deferred<number>(), deferred<number>()];
    let next = 0;
    const action = jest.fn(() => calls[next++].promise);
    const onSuccess = jest.fn();
    const { result } = renderHook(() => useSubmit(action, { onSuccess }));

    let first!: Promise<void>;
    act(() => {
      // Both within one render, as a double click or Enter and click land.
      first = result.current.submit();
      void result.current.submit();
    });
    act(() => {
      void result.current.submit();
    });
    expect(action).toHaveBeenCalledTimes(1);

    await act(async () => {
      calls[0].resolve(1);
      await first;
    });
    expect(onSuccess).toHaveBeenCalledTimes(1);

    await act(async () => {
      const second = result.current.submit();
      calls[1].resolve(2);
      await second;
    });
    expect(action).toHaveBeenCalledTimes(2);
    expect(onSuccess).toHaveBeenLastCalledWith(2);
  });

  it('drops a result that arrives after unmount, callbacks included', async () => {
    const consoleError = jest.spyOn(console, 'error');
    const calls = [deferred<string>(), deferred<string>()];
    const onSuccess = jest.fn();
    const onError = jest.fn();
    const success = renderHook(() => useSubmit(() => calls[0].promise, { onSuccess }));
    const failure = renderHook(() => useSubmit(() => calls[1].promise, { onError }));

    let submitted: Array<Promise<void>> = [];
    act(() => {
      submitted = [success.result.current.submit(), failure.result.current.submit()];
    });
    success.unmount();
    failure.unmount();
    await act(async () => {
      calls[0].resolve('late');
      calls[1].reject(conflict());
      await Promise.all(submitted);
    });

    expect(onSuccess).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
    expect(success.result.current.submitting).toBe(true);
    expect(failure.result.current.error).toBeNull();
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
  });
});
