# Build the Windows installer in one command, from the repository's top folder or anywhere:
#
#     powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1
#
# Needs: 64-bit Windows 10 or 11, Python 3.11 x64 from python.org (`py -3.11` finds it; pass
# -PythonVersion -3.12 for another) and Inno Setup 6 (iscc.exe on PATH or in its default folder).
# Makes .venv\, dist\hhdesk\ (the program, with hhdesk.exe and the console twin hhdesk-cli.exe),
# runs the program's smoke test, and writes dist\installer\hhdesk-<version>-setup.exe.
#
# Signing (optional): set HHDESK_SIGN_CERT_SHA1 to the thumbprint of a code-signing certificate in the
# current user's certificate store; signtool.exe (Windows SDK) then signs both programs before packing
# and the installer after. Without it the installer works but SmartScreen warns on first run.

param(
    [string]$Python = "py",
    [string]$PythonVersion = "-3.11"
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$Root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $Root

function Invoke-Checked([string]$What, [scriptblock]$Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

$Version = (Select-String -Path "hhdesk\__init__.py" -Pattern '__version__ = "([^"]+)"').Matches[0].Groups[1].Value
Write-Host "hhdesk $Version"

$Venv = Join-Path $Root ".venv"
if (-not (Test-Path (Join-Path $Venv "Scripts\python.exe"))) {
    $VersionArgs = @($PythonVersion | Where-Object { $_ })  # `-PythonVersion ""` for a plain python.exe
    Invoke-Checked "creating the virtual environment" { & $Python @VersionArgs -m venv $Venv }
}
$VenvPython = Join-Path $Venv "Scripts\python.exe"
Invoke-Checked "upgrading pip" { & $VenvPython -m pip install --quiet --upgrade pip }
Invoke-Checked "installing hhdesk and PyInstaller" { & $VenvPython -m pip install --quiet -e ".[dist]" }

Invoke-Checked "PyInstaller" {
    & $VenvPython -m PyInstaller --noconfirm --clean --log-level WARN `
        --distpath dist --workpath build\pyinstaller installers\hhdesk.spec
}

# The console twin prints each step; the windowed program is checked by its exit code alone.
Invoke-Checked "the smoke test (hhdesk-cli.exe)" { & "dist\hhdesk\hhdesk-cli.exe" --smoke-test }
$Windowed = Start-Process -FilePath "dist\hhdesk\hhdesk.exe" -ArgumentList "--smoke-test" -Wait -PassThru
if ($Windowed.ExitCode -ne 0) { throw "the smoke test of hhdesk.exe failed (exit code $($Windowed.ExitCode))" }
$SizeMB = [math]::Round(((Get-ChildItem "dist\hhdesk" -Recurse -File | Measure-Object Length -Sum).Sum / 1MB), 1)
Write-Host "dist\hhdesk: $SizeMB MB"

$SignCert = $env:HHDESK_SIGN_CERT_SHA1
# The certificate authority's RFC 3161 time-stamping service, so signatures outlive the certificate.
$TimestampUrl = if ($env:HHDESK_TIMESTAMP_URL) { $env:HHDESK_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
function Invoke-Sign([string[]]$Files) {
    if (-not $SignCert) { return }
    Invoke-Checked "signing" {
        & signtool.exe sign /sha1 $SignCert /fd SHA256 /tr $TimestampUrl /td SHA256 $Files
    }
}
Invoke-Sign @("dist\hhdesk\hhdesk.exe", "dist\hhdesk\hhdesk-cli.exe")

$Iscc = Get-Command iscc.exe -ErrorAction SilentlyContinue
$IsccPath = if ($Iscc) { $Iscc.Source } else { Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $IsccPath)) { throw "Inno Setup 6 is not installed (ISCC.exe not found)" }
Invoke-Checked "Inno Setup" { & $IsccPath /Q "/DAppVersion=$Version" "installers\windows\hhdesk.iss" }

$Installer = "dist\installer\hhdesk-$Version-setup.exe"
Invoke-Sign @($Installer)
Write-Host "Installer: $Installer ($([math]::Round((Get-Item $Installer).Length / 1MB, 1)) MB)"
