// Find a customer by id, or browse the profiles.
import { useEffect, useState } from "preact/hooks";

import { api, describeError } from "../api";
import type { CustomerProfile } from "../gen/herald/v1/profile_pb";
import { href, time } from "../format";
import { session } from "../session";

export function Customers() {
  const [id, setId] = useState("");
  const [profiles, setProfiles] = useState<CustomerProfile[]>([]);
  const [tokens, setTokens] = useState<string[]>([""]);
  const [next, setNext] = useState("");
  const [error, setError] = useState("");
  const canList = session.may("ProfileService.ListProfiles");

  useEffect(() => {
    if (!canList) return;
    api.profiles
      .listProfiles({ pageSize: 50, pageToken: tokens[tokens.length - 1] ?? "" })
      .then((r) => {
        setProfiles(r.profiles);
        setNext(r.nextPageToken);
      })
      .catch((e: unknown) => {
        setError(describeError(e));
      });
  }, [tokens, canList]);

  return (
    <section>
      <h1>Customers</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (id.trim() !== "") window.location.hash = href("customers", id.trim());
        }}
      >
        <label>
          Customer id
          <input
            name="customer"
            value={id}
            onInput={(e) => {
              setId(e.currentTarget.value);
            }}
          />
        </label>
        <button type="submit">Look up</button>
      </form>
      {error !== "" && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {canList && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Name</th>
                <th scope="col">Locale</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {profiles.map((p) => (
                <tr key={p.customerId}>
                  <td>
                    <a href={href("customers", p.customerId)}>{p.customerId}</a>
                  </td>
                  <td>{p.displayName}</td>
                  <td>{p.locale}</td>
                  <td>{time(p.updateTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={tokens.length === 1}
              onClick={() => {
                setTokens(tokens.slice(0, -1));
              }}
            >
              Previous
            </button>
            <button
              type="button"
              disabled={next === ""}
              onClick={() => {
                setTokens([...tokens, next]);
              }}
            >
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
