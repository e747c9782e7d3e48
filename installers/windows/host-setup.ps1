# Make this Windows 10/11 computer the agency's hhdesk host, in one command, as an administrator:
#
#     powershell -ExecutionPolicy Bypass -File host-setup.ps1 `
#         -Installer C:\Downloads\postgresql-17.2-1-windows-x64.exe `
#         -Org "Example Health Home" -Admin jsmith -JoinFile E:\agency.hhjoin
#
# It downloads nothing: the PostgreSQL installer from EDB (postgresql-<version>-windows-x64.exe) is given
# with -Installer, so the administrator decides which file runs with administrator rights; without it, a
# PostgreSQL 15 or newer already in C:\Program Files\PostgreSQL is used. The steps, each announced with its
# name (installers/README.md has the checklist of what to look for):
#   administrator   refuses to go on without an elevated PowerShell
#   bitlocker       the data folder's drive must be BitLocker-protected (manage-bde exit status 0), unless
#                   -AllowUnencryptedDisk "<reason>" is given (hhdesk writes it to the audit log)
#   postgresql      EDB's installer, unattended, only extracts PostgreSQL's programs (--extract-only): no
#                   cluster, no service, no password of its own; then checks that they run
#   network         warns when this computer's network is not a Private one, which the firewall rule needs
#   hhdesk-setup    `hhdesk host setup`: the cluster (checksums, TLS 1.3, SCRAM), the Windows service
#                   hhdesk-host (automatic, restarted after failures), the firewall rule for the Private
#                   profile, the agency, the join file, and the nightly backup task
param(
    [string]$Installer = "",
    [Parameter(Mandatory = $true)][string]$Org,
    [Parameter(Mandatory = $true)][string]$Admin,
    [Parameter(Mandatory = $true)][string]$JoinFile,
    [string]$DataDir = (Join-Path $env:ProgramData "hhdesk\host"),
    [int]$Port = 5432,
    [string]$Hhdesk = (Join-Path $env:LOCALAPPDATA "Programs\hhdesk\hhdesk-cli.exe"),
    [string]$AllowUnencryptedDisk = "",
    [string]$Import = ""
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$PostgresFolder = Join-Path $env:ProgramFiles "PostgreSQL"

function Step([string]$Name, [string]$What) {
    Write-Host ""
    Write-Host "==> [$Name] $What"
}

function Find-PostgreSQL {
    # The newest C:\Program Files\PostgreSQL\<major>\bin with initdb.exe and pg_ctl.exe, major 15 or newer
    if (-not (Test-Path $PostgresFolder)) { return $null }
    Get-ChildItem -Path $PostgresFolder -Directory |
        Where-Object { $_.Name -match '^\d+$' -and [int]$_.Name -ge 15 } |
        Sort-Object { [int]$_.Name } -Descending |
        ForEach-Object { Join-Path $_.FullName "bin" } |
        Where-Object { (Test-Path (Join-Path $_ "initdb.exe")) -and (Test-Path (Join-Path $_ "pg_ctl.exe")) } |
        Select-Object -First 1
}

Step "administrator" "Checking that PowerShell runs as an administrator"
$Identity = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
if (-not $Identity.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw "Run this from a PowerShell opened with right-click > Run as administrator."
}
if ($Installer -and -not (Test-Path $Installer -PathType Leaf)) { throw "The PostgreSQL installer $Installer does not exist." }
if (-not (Test-Path $Hhdesk -PathType Leaf)) { throw "hhdesk is not installed at $Hhdesk (pass -Hhdesk)." }

Step "bitlocker" "Checking that BitLocker protects the data folder's drive"
$Drive = ([System.IO.Path]::GetPathRoot([System.IO.Path]::GetFullPath($DataDir))).TrimEnd("\")
& manage-bde.exe -status $Drive -protectionaserrorlevel | Out-Null
$Protection = $LASTEXITCODE
if ($Protection -eq 0) {
    Write-Host "BitLocker protects $Drive."
} elseif ($AllowUnencryptedDisk) {
    Write-Warning "BitLocker does not protect $Drive (manage-bde exit status $Protection); going on because: $AllowUnencryptedDisk"
} else {
    throw ("BitLocker does not protect $Drive (manage-bde exit status $Protection). Turn BitLocker on " +
           "(Control Panel > BitLocker Drive Encryption), or run again with -AllowUnencryptedDisk `"<reason>`".")
}

Step "postgresql" "Putting PostgreSQL's programs in place (no cluster, no service: hhdesk makes its own)"
if ($Installer) {
    $Arguments = @("--mode", "unattended", "--unattendedmodeui", "none", "--extract-only", "1")
    $Setup = Start-Process -FilePath $Installer -ArgumentList $Arguments -Wait -PassThru
    if ($Setup.ExitCode -ne 0) {
        throw "The PostgreSQL installer failed (exit code $($Setup.ExitCode)); its log is in $env:TEMP (install-postgresql.log)."
    }
}
$BinDir = Find-PostgreSQL
if (-not $BinDir) {
    throw "No PostgreSQL 15 or newer in $PostgresFolder: pass EDB's installer with -Installer <file.exe>."
}
& (Join-Path $BinDir "postgres.exe") --version
if ($LASTEXITCODE -ne 0) {
    throw ("PostgreSQL's programs in $BinDir do not run (exit code $LASTEXITCODE); if Windows named a missing " +
           "VCRUNTIME140.dll, install Microsoft's Visual C++ Redistributable (x64), then run this again.")
}

Step "network" "Checking that this computer's network is a Private one"
$Networks = @(Get-NetConnectionProfile | Where-Object { $_.NetworkCategory -ne "Private" -and $_.NetworkCategory -ne "DomainAuthenticated" })
foreach ($Network in $Networks) {
    Write-Warning ("The network '$($Network.Name)' is $($Network.NetworkCategory): workstations on it cannot reach " +
                   "the host until it is set to Private (Settings > Network & internet > Properties).")
}
if ($Networks.Count -eq 0) { Write-Host "Every network of this computer is Private (or the domain's)." }

Step "hhdesk-setup" "Setting up the database service, the agency, the join file and the nightly backup"
$SetupArgs = @("host", "setup", "--data-dir", $DataDir, "--org", $Org, "--admin", $Admin,
               "--join-file", $JoinFile, "--port", "$Port")
if ($Import) { $SetupArgs += @("--import", $Import) }
if ($AllowUnencryptedDisk) { $SetupArgs += @("--allow-unencrypted-disk", $AllowUnencryptedDisk) }
$env:HHDESK_PG_BIN = $BinDir
try {
    & $Hhdesk @SetupArgs
    if ($LASTEXITCODE -ne 0) { throw "hhdesk host setup failed (exit code $LASTEXITCODE); it said why above." }
} finally {
    Remove-Item Env:HHDESK_PG_BIN -ErrorAction SilentlyContinue
}
Write-Host ""
Write-Host "Done. Copy $JoinFile to each workstation and read the fingerprint above aloud when it joins."
