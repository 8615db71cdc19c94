# Sourced by the bridge tests: python_with MODULE... prints the first python3
# here (the PATH's, then Debian's, which differ under pyenv) that imports every
# MODULE, or nothing.
python_with() {
  local candidate imports
  imports=$(IFS=,; echo "$*")
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c "import $imports" 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
}
