#!/usr/bin/env bash
# Used by action.yml: installs the prebuilt `survey` binary of the release whose tag the
# action was used at (`uses: owner/repo@v0.2.0`), when that release has one for this
# runner. Prints installed=true|false (and bin=<folder> when installed) to
# $GITHUB_OUTPUT; never fails the job, so the action falls back to building from source.
set -uo pipefail

installed=false
case "${RUNNER_OS_NAME}-${RUNNER_ARCH_NAME}" in
  Linux-X64) target=x86_64-unknown-linux-gnu ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  Windows-X64) target=x86_64-pc-windows-msvc ;;
  *) target="" ;;
esac

bin="${HOME}/.survey-release/bin"
if [ -n "${target}" ] && [ -n "${ACTION_REF}" ] && [ -n "${ACTION_REPOSITORY}" ]; then
  work="$(mktemp -d)"
  if gh release download "${ACTION_REF}" --repo "${ACTION_REPOSITORY}" \
      --pattern "survey-${target}.*" --dir "${work}" 2>/dev/null; then
    mkdir -p "${bin}"
    case "${target}" in
      *windows*) (cd "${work}" && unzip -q -o "survey-${target}.zip" -d "${bin}") ;;
      *) tar -xzf "${work}/survey-${target}.tar.gz" -C "${bin}" ;;
    esac
    if [ -x "${bin}/survey" ] || [ -f "${bin}/survey.exe" ]; then
      echo "bin=${bin}" >> "${GITHUB_OUTPUT}"
      installed=true
      echo "installed the release binary of ${ACTION_REPOSITORY}@${ACTION_REF} (${target})"
    fi
  fi
fi
if [ "${installed}" = false ]; then
  echo "no release binary for ${ACTION_REPOSITORY:-this action}@${ACTION_REF:-?} on ${RUNNER_OS_NAME}-${RUNNER_ARCH_NAME}; building from source"
fi
echo "installed=${installed}" >> "${GITHUB_OUTPUT}"
