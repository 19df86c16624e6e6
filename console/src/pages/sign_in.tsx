// Sign-in with an API key (hk_…) or a JWT; the server checks it (KeyService.GetCaller).
import { useState } from "preact/hooks";

import { api, describeError } from "../api";
import { session } from "../session";

export function SignIn({ problem, onSignedIn }: { problem: string; onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(problem);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    const given = token.trim();
    session.setToken(given);
    try {
      session.remember(await api.keys.getCaller({}));
      onSignedIn();
    } catch (e) {
      session.signOut();
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Herald console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">API key or JWT</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => {
            setToken(e.currentTarget.value);
          }}
          placeholder="hk_…"
          required
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error !== "" && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <p class="hint">
          An admin makes a key with <code>heraldctl key create --name NAME --role ROLE</code>. The
          token stays in this browser tab only.
        </p>
      </form>
    </main>
  );
}
